"""Plotly figures as plain JSON-ready dicts (`{"data": [...], "layout": {...}}`), drawn in the
browser by the plotly.min.js the `plotly` package ships. Building dicts rather than
`plotly.graph_objects` keeps pages fast and the figures easy to test."""

from __future__ import annotations

from typing import Any

from kuznia.web.i18n import Language
from kuznia.web.summaries import Flows, Growth, Matrix, Spend, SupplyShare

Figure = dict[str, Any]

# Colours that stay apart for people with the common colour-vision deficiencies (Okabe-Ito).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DOMESTIC, FOREIGN = "#0072B2", "#E69F00"


def chart_layout(lang: Language, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        # decimal sign, then thousands separator, as the language writes numbers
        "separators": ", " if lang.code == "uk" else ".,",
        # above the plot: below it, the legend would sit on the slanted month labels
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    }
    layout.update(extra)
    return layout


def _months(lang: Language, start: str | None, months: list[int]) -> list[str]:
    return [lang.month(start, t) for t in months]


def coverage_heatmap(matrix: Matrix, lang: Language, start: str | None) -> Figure:
    """Categories by month, coloured by the share of the need due so far that was served."""
    return {
        "data": [
            {
                "type": "heatmap",
                "x": _months(lang, start, matrix.months),
                "y": [lang.term(category) for category in matrix.rows],
                "z": [
                    [None if v is None else round(v * 100, 1) for v in row] for row in matrix.values
                ],
                "zmin": 0,
                "zmax": 100,
                "colorscale": [
                    [0, "#a50026"],
                    [0.5, "#f46d43"],
                    [0.75, "#fee090"],
                    [0.9, "#abd9e9"],
                    [1, "#313695"],
                ],
                "colorbar": {"title": {"text": "%"}, "thickness": 12},
                "hovertemplate": "%{y}<br>%{x}: %{z:.1f}%<extra></extra>",
                "xgap": 1,
                "ygap": 1,
            }
        ],
        "layout": chart_layout(
            lang,
            height=max(260, 32 * len(matrix.rows) + 90),
            yaxis={"automargin": True, "autorange": "reversed"},
            xaxis={"automargin": True, "tickangle": -45},
        ),
    }


def growth_lines(
    growth: Growth,
    lang: Language,
    start: str | None,
    targets: dict[str, list[float | None]] | None = None,
) -> Figure:
    """Output per month relative to the baseline month, per category, and all by value; a
    category's national target (on the same scale, `summaries.target_ratios`) as diamonds of
    its line's colour."""
    x = _months(lang, start, growth.months)
    colour = {
        category: PALETTE[k % len(PALETTE)] for k, category in enumerate(sorted(growth.by_category))
    }
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": lang.term(category),
            "x": x,
            "y": ratios,
            "line": {"color": PALETTE[k % len(PALETTE)]},
            "hovertemplate": "%{x}: ×%{y:.2f}<extra>%{fullData.name}</extra>",
        }
        for k, (category, ratios) in enumerate(sorted(growth.by_category.items()))
    ]
    for category, ratios in sorted((targets or {}).items()):
        if category not in colour:
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": lang.gettext("target: %(category)s", category=lang.term(category)),
                "x": x,
                "y": ratios,
                "marker": {
                    "color": colour[category],
                    "symbol": "diamond-open",
                    "size": 11,
                    "line": {"width": 2},
                },
                "hovertemplate": "%{x}: ×%{y:.2f}<extra>%{fullData.name}</extra>",
            }
        )
    if growth.by_value is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": lang.gettext("all, by value"),
                "x": x,
                "y": growth.by_value,
                "line": {"color": "#333333", "width": 3, "dash": "dash"},
                "hovertemplate": "%{x}: ×%{y:.2f}<extra>%{fullData.name}</extra>",
            }
        )
    return {
        "data": data,
        "layout": chart_layout(
            lang,
            # tall enough that a phone's one-entry-a-row legend leaves the lines room
            height=460,
            legend={
                "orientation": "h",
                "x": 0,
                "y": 1.02,
                "yanchor": "bottom",
                "font": {"size": 11},
            },
            yaxis={
                # a log scale (said beside the chart): one category growing ×1,000 leaves the
                # others readable
                "title": {"text": lang.gettext("× baseline month")},
                "type": "log",
                "automargin": True,
            },
            xaxis={"automargin": True, "tickangle": -45},
        ),
    }


def supply_bars(shares: list[SupplyShare], lang: Language) -> Figure:
    """Per category, the domestic and foreign shares of supply (stacked to 100%)."""
    y = [lang.term(share.category) for share in shares]
    domestic = [round(share.domestic_share * 100, 1) for share in shares]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": lang.gettext("domestic (plan)"),
                "y": y,
                "x": domestic,
                "marker": {"color": DOMESTIC},
                "hovertemplate": "%{y}: %{x:.1f}%<extra>%{fullData.name}</extra>",
            },
            {
                "type": "bar",
                "orientation": "h",
                "name": lang.gettext("foreign supply"),
                "y": y,
                "x": [
                    round(100 - d, 1) if s.domestic + s.foreign > 0 else 0
                    for d, s in zip(domestic, shares, strict=True)
                ],
                "marker": {"color": FOREIGN},
                "hovertemplate": "%{y}: %{x:.1f}%<extra>%{fullData.name}</extra>",
            },
        ],
        "layout": chart_layout(
            lang,
            barmode="stack",
            legend={
                "orientation": "h",
                "x": 0,
                "y": 1.02,
                "yanchor": "bottom",
                "traceorder": "normal",
            },
            height=max(220, 28 * len(shares) + 90),
            xaxis={"range": [0, 100], "ticksuffix": "%"},
            yaxis={"automargin": True, "autorange": "reversed"},
        ),
    }


def spend_bars(spends: list[Spend], lang: Language, currency: str) -> Figure:
    """Per fund and year, budget and planned spend, in millions."""
    x = [f"{s.fund} {s.year}" for s in spends]
    million = lang.gettext("M")
    return {
        "data": [
            {
                "type": "bar",
                "name": lang.gettext("budget"),
                "x": x,
                "y": [round(s.budget / 1e6, 2) for s in spends],
                "marker": {"color": "#bbbbbb"},
                "hovertemplate": f"%{{x}}: %{{y:,.1f}} {million} {currency}<extra>%{{fullData.name}}</extra>",
            },
            {
                "type": "bar",
                "name": lang.gettext("planned spend"),
                "x": x,
                "y": [round(s.spent / 1e6, 2) for s in spends],
                "marker": {"color": DOMESTIC},
                "hovertemplate": f"%{{x}}: %{{y:,.1f}} {million} {currency}<extra>%{{fullData.name}}</extra>",
            },
        ],
        "layout": chart_layout(
            lang,
            barmode="group",
            height=340,
            yaxis={"title": {"text": f"{million} {currency}"}, "automargin": True},
            xaxis={"automargin": True},
        ),
    }


def money_sankey(flows: Flows, lang: Language, currency: str) -> Figure:
    """Money from funds to categories to producers."""
    colour = {"fund": "#0072B2", "category": "#009E73", "producer": "#E69F00"}
    million = lang.gettext("M")
    labels = [
        lang.gettext("other producers") if kind == "producer" and name == "…" else lang.term(name)
        for name, kind in zip(flows.nodes, flows.kinds, strict=True)
    ]
    return {
        "data": [
            {
                "type": "sankey",
                "arrangement": "snap",
                "valueformat": ",.1f",
                "valuesuffix": f" {million} {currency}",
                "node": {
                    "label": labels,
                    "color": [colour[kind] for kind in flows.kinds],
                    "pad": 12,
                    "thickness": 14,
                },
                "link": {
                    "source": flows.sources,
                    "target": flows.targets,
                    "value": [round(v / 1e6, 3) for v in flows.values],
                    "color": "rgba(0,114,178,0.25)",
                },
            }
        ],
        "layout": chart_layout(lang, height=max(360, 18 * len(flows.nodes))),
    }


def ramp_chart(
    capacity: list[float], delivered: list[float] | None, lang: Language, start: str | None
) -> Figure:
    """A line's capacity per month (its ramp) and, when a plan exists, its planned deliveries."""
    x = _months(lang, start, list(range(len(capacity))))
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "line": {"shape": "hv", "color": "#333333", "width": 2},
            "name": lang.gettext("capacity"),
            "x": x,
            "y": capacity,
        }
    ]
    if delivered is not None:
        data.insert(
            0,
            {
                "type": "bar",
                "name": lang.gettext("planned deliveries"),
                "x": x,
                "y": delivered,
                "marker": {"color": DOMESTIC},
            },
        )
    return {
        "data": data,
        "layout": chart_layout(
            lang,
            height=220,
            showlegend=True,
            yaxis={"rangemode": "tozero", "automargin": True},
            xaxis={"automargin": True, "tickangle": -45},
        ),
    }
