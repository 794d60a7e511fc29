"""The targets page's chart: a target's months, the approved plan and the accepted output as
bars, the target as a line (in its period's months), as a Plotly figure dict."""

from __future__ import annotations

from kuznia.targets.schemas import TargetProgress
from kuznia.web.charts import PALETTE, Figure, chart_layout
from kuznia.web.i18n import Language

PLAN, ACTUAL, TARGET = PALETTE[0], PALETTE[2], PALETTE[5]


def target_chart(target: TargetProgress, lang: Language) -> Figure:
    """Target line, plan bars and actual bars per month of the target's span."""
    months = target.months
    x = [lang.month(month.month, 0) for month in months]
    return {
        "data": [
            {
                "type": "bar",
                "name": lang.gettext("approved plan"),
                "x": x,
                "y": [month.plan for month in months],
                "marker": {"color": PLAN},
                "hovertemplate": "%{x}: %{y:,.0f}<extra></extra>",
            },
            {
                "type": "bar",
                "name": lang.gettext("accepted"),
                "x": x,
                "y": [month.actual for month in months],
                "marker": {"color": ACTUAL},
                "hovertemplate": "%{x}: %{y:,.0f}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": lang.gettext("target"),
                "x": x,
                "y": [month.target for month in months],
                "line": {"color": TARGET, "width": 3},
                "marker": {"color": TARGET, "size": 10, "symbol": "diamond"},
                "connectgaps": False,
                "hovertemplate": "%{x}: %{y:,.0f}<extra></extra>",
            },
        ],
        "layout": chart_layout(
            lang,
            height=300,
            barmode="group",
            xaxis={"automargin": True, "tickangle": -45},
            yaxis={"automargin": True, "rangemode": "tozero"},
        ),
    }
