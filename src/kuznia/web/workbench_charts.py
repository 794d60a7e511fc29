"""The workbench's figures (Plotly dicts, as `kuznia.web.charts`): a scenario against the base,
a sweep's distributions and fan chart, critical producers and regions."""

from __future__ import annotations

from typing import Any

from kuznia.web.charts import PALETTE, Figure, chart_layout
from kuznia.web.i18n import Language

# Bars shown at most in a ranking.
RANKED = 15


def _months(lang: Language, start: str | None, count: int) -> list[str]:
    return [lang.month(start, t) for t in range(count)]


def _percent(values: list[float | None]) -> list[float | None]:
    return [None if v is None else round(v * 100, 2) for v in values]


def scenario_tiers(answer: dict[str, Any], lang: Language) -> Figure:
    """Each tier's weighted unit-months short: base, scenario re-planned, base contracts held."""
    tiers = [str(p) for p in answer["priorities"]]
    series = [
        (lang.gettext("base plan"), answer["base"]["tiers"]),
        (lang.gettext("re-planned under the scenario"), answer["changed"]["tiers"]),
        (lang.gettext("base contracts held"), answer["held"]["tiers"]),
    ]
    return {
        "data": [
            {
                "type": "bar",
                "name": label,
                "x": [lang.gettext("tier %(tier)s", tier=t) for t in tiers],
                "y": [values.get(t) for t in tiers],
                "marker": {"color": PALETTE[k]},
                "hovertemplate": "%{x}: %{y:,.0f}<extra>%{fullData.name}</extra>",
            }
            for k, (label, values) in enumerate(series)
        ],
        "layout": chart_layout(
            lang,
            barmode="group",
            height=320,
            yaxis={
                "title": {"text": lang.gettext("unit-months short")},
                "type": "log",
                "automargin": True,
            },
            xaxis={"automargin": True},
        ),
    }


def scenario_coverage(answer: dict[str, Any], lang: Language) -> Figure:
    """Coverage to date per month, base and under the scenario."""
    months = _months(lang, answer.get("start"), int(answer["months"]))
    series = [
        (lang.gettext("base plan"), answer["base"]["coverage_by_month"]),
        (lang.gettext("re-planned under the scenario"), answer["changed"]["coverage_by_month"]),
    ]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": label,
                "x": months,
                "y": _percent(values),
                "line": {"color": PALETTE[k]},
                "hovertemplate": "%{x}: %{y:.1f}%<extra>%{fullData.name}</extra>",
            }
            for k, (label, values) in enumerate(series)
        ],
        "layout": chart_layout(
            lang,
            height=320,
            yaxis={"title": {"text": "%"}, "rangemode": "tozero", "automargin": True},
            xaxis={"automargin": True},
        ),
    }


def sweep_tiers(answer: dict[str, Any], lang: Language) -> Figure:
    """The distribution of each tier's shortfall over the scenarios (a box with every point),
    the base plan's marked."""
    data: list[dict[str, Any]] = []
    for k, (tier, spread) in enumerate(answer["tiers"].items()):
        label = lang.gettext("tier %(tier)s", tier=tier)
        data.append(
            {
                "type": "box",
                "name": label,
                "y": spread["values"],
                "boxpoints": "all",
                "jitter": 0.4,
                "pointpos": 0,
                "marker": {"color": PALETTE[k % len(PALETTE)], "size": 4},
                "hovertemplate": "%{y:,.0f}<extra>%{fullData.name}</extra>",
                "showlegend": False,
            }
        )
        base = answer["base"]["tiers"].get(tier)
        if base is not None:
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": lang.gettext("base plan"),
                    "x": [label],
                    "y": [base],
                    "marker": {"symbol": "diamond", "size": 11, "color": "#000000"},
                    "showlegend": k == 0,
                    "hovertemplate": "%{y:,.0f}<extra>%{fullData.name}</extra>",
                }
            )
    return {
        "data": data,
        "layout": chart_layout(
            lang,
            height=340,
            yaxis={
                "title": {"text": lang.gettext("unit-months short")},
                "type": "log",
                "automargin": True,
            },
            xaxis={"automargin": True},
        ),
    }


def sweep_fan(answer: dict[str, Any], lang: Language) -> Figure:
    """Coverage to date per month: the P5–P95 band, the median and the base plan."""
    rows = answer["coverage_by_month"]
    months = _months(lang, answer.get("start"), len(rows))
    band = "rgba(0, 114, 178, 0.25)"
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "P95",
                "x": months,
                "y": _percent([r["p95"] for r in rows]),
                "line": {"width": 0, "color": band},
                "showlegend": False,
                "hovertemplate": "%{x}: %{y:.1f}%<extra>P95</extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": lang.gettext("P5–P95 of the scenarios"),
                "x": months,
                "y": _percent([r["p5"] for r in rows]),
                "fill": "tonexty",
                "fillcolor": band,
                "line": {"width": 0, "color": band},
                "hovertemplate": "%{x}: %{y:.1f}%<extra>P5</extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": lang.gettext("median"),
                "x": months,
                "y": _percent([r["p50"] for r in rows]),
                "line": {"color": PALETTE[0]},
                "hovertemplate": "%{x}: %{y:.1f}%<extra>P50</extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": lang.gettext("base plan"),
                "x": months,
                "y": _percent([r["base"] for r in rows]),
                "line": {"color": "#000000", "dash": "dash"},
                "hovertemplate": "%{x}: %{y:.1f}%<extra>%{fullData.name}</extra>",
            },
        ],
        "layout": chart_layout(
            lang,
            height=340,
            yaxis={"title": {"text": "%"}, "automargin": True},
            xaxis={"automargin": True},
        ),
    }


def sweep_producers(answer: dict[str, Any], lang: Language) -> Figure:
    """How often each producer was critical, the most critical on top."""
    rows = sorted(answer["producers"], key=lambda r: (-r["critical"], r["producer"]))[:RANKED]
    rows.reverse()
    return _bars(
        [f"{r['producer']} ({r['region']})" for r in rows],
        [round(100 * (r["critical"] / answer["evaluated"]), 1) for r in rows]
        if answer["evaluated"]
        else [],
        lang,
        title="%",
        hover="%{y}: %{x:.1f}%",
    )


def _bars(
    labels: list[str], values: list[float], lang: Language, *, title: str, hover: str
) -> Figure:
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": values,
                "y": labels,
                "marker": {"color": PALETTE[0]},
                "hovertemplate": f"{hover}<extra></extra>",
            }
        ],
        "layout": chart_layout(
            lang,
            height=max(220, 28 * len(labels) + 80),
            showlegend=False,
            xaxis={"title": {"text": title}, "automargin": True},
            yaxis={"automargin": True},
        ),
    }


def critical_bars(rows: list[dict[str, Any]], key: str, tier: int, lang: Language) -> Figure:
    """Producers (or regions) ranked by the increase of the top tier's shortfall their loss
    causes."""
    shown = [r for r in rows if r.get(f"increase_priority_{tier}") is not None][:RANKED]
    shown.reverse()
    return _bars(
        [str(r[key]) for r in shown],
        [round(float(r[f"increase_priority_{tier}"]), 1) for r in shown],
        lang,
        title=lang.gettext("tier %(tier)s: more unit-months short", tier=tier),
        hover="%{y}: +%{x:,.0f}",
    )


def herfindahl_bars(rows: list[dict[str, Any]], lang: Language) -> Figure:
    """The most concentrated items: Herfindahl of planned deliveries (1: a single source)."""
    shown = [r for r in rows if r.get("hhi_deliveries") is not None][:RANKED]
    shown.reverse()
    return _bars(
        [str(r["item"]) for r in shown],
        [round(float(r["hhi_deliveries"]), 3) for r in shown],
        lang,
        title=lang.gettext("Herfindahl index of planned deliveries"),
        hover="%{y}: %{x:.2f}",
    )


def figures(kind: str, answer: dict[str, Any], lang: Language) -> dict[str, Any]:
    """The charts of a workbench job's answer, by the name its template uses."""
    if kind == "scenario":
        return {
            "tiers_chart": scenario_tiers(answer, lang),
            "coverage_chart": scenario_coverage(answer, lang),
        }
    if kind == "sweep":
        return {
            "tiers_chart": sweep_tiers(answer, lang),
            "fan_chart": sweep_fan(answer, lang),
            "producers_chart": sweep_producers(answer, lang),
        }
    if kind == "critical":
        tier = int(answer["priorities"][0]) if answer.get("priorities") else 1
        return {
            "top_tier": tier,
            "producers_chart": critical_bars(answer["producers"], "producer", tier, lang),
            "regions_chart": critical_bars(answer["regions"], "region", tier, lang),
            "herfindahl_chart": herfindahl_bars(answer["concentration"], lang),
        }
    return {}
