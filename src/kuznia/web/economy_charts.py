"""The export and economy pages' figures (Plotly dicts, as `kuznia.web.charts`)."""

from __future__ import annotations

from typing import Any

from kuznia.web.charts import PALETTE, Figure, chart_layout
from kuznia.web.i18n import Language


def region_bars(rows: list[dict[str, Any]], lang: Language, currency: str) -> Figure:
    """Per region: spend, output value and export revenue, in millions."""
    million = lang.gettext("M")
    x = [str(row["region"]) for row in rows]
    series = [
        ("spend", lang.gettext("spend")),
        ("output_value", lang.gettext("output value")),
        ("export_revenue", lang.gettext("export revenue")),
    ]
    return {
        "data": [
            {
                "type": "bar",
                "name": label,
                "x": x,
                "y": [round(float(row.get(key) or 0) / 1e6, 2) for row in rows],
                "marker": {"color": PALETTE[k]},
                "hovertemplate": f"%{{x}}: %{{y:,.1f}} {million} {currency}"
                "<extra>%{fullData.name}</extra>",
            }
            for k, (key, label) in enumerate(series)
        ],
        "layout": chart_layout(
            lang,
            barmode="group",
            height=360,
            yaxis={"title": {"text": f"{million} {currency}"}, "automargin": True},
            xaxis={"automargin": True},
        ),
    }


def curve_lines(rows: list[dict[str, Any]], lang: Language, currency: str) -> Figure:
    """Each tier's unit-months short against the extra money, in millions."""
    million = lang.gettext("M")
    tiers = sorted({int(row["priority"]) for row in rows})
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": lang.gettext("tier %(tier)s", tier=tier),
                "x": [round(row["extra"] / 1e6, 3) for row in rows if row["priority"] == tier],
                "y": [row["unit_months_short"] for row in rows if row["priority"] == tier],
                "line": {"color": PALETTE[k % len(PALETTE)]},
                "hovertemplate": f"+%{{x:,.1f}} {million} {currency}: %{{y:,.0f}}"
                "<extra>%{fullData.name}</extra>",
            }
            for k, tier in enumerate(tiers)
        ],
        "layout": chart_layout(
            lang,
            height=340,
            xaxis={"title": {"text": f"+{million} {currency}"}, "automargin": True},
            yaxis={"title": {"text": lang.gettext("unit-months short")}, "automargin": True},
        ),
    }
