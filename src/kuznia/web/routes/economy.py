"""Economy: what the plan's money does at home. Spend, output value, export revenue and jobs
by region (a chart of the regions), by ownership and by joint-venture partner country; per
fund, where its money lands (fund x region). A partner sees only its own funds' part.

The money curve (planners): each tier's shortfall against more money from one fund in one
year, solved on the run's snapshot when asked (kuznia.plans.economy), drawn and downloadable
as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.errors import InvalidInput
from kuznia.io.curve_workbook import CurveWords, write_curve_workbook
from kuznia.planning.curves import CURVE_COLUMNS
from kuznia.plans import economy as economy_service
from kuznia.web.economy_charts import curve_lines, region_bars
from kuznia.web.i18n import N_, Language
from kuznia.web.nav import may_write
from kuznia.web.pages import language_of, render
from kuznia.web.routes.exports import chosen_run
from kuznia.web.session import ViewerDep

router = APIRouter()
CURVE_FIELDS = ("fund", "year", "maximum", "steps")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_CURVE = N_(
    "The curve needs a fund of the run, a year of its horizon, an amount above 0 and 1 to 20 steps."
)


def _curve_request(request: Request) -> economy_service.MoneyCurveRequest | None:
    params = request.query_params
    if not params.get("fund"):
        return None
    try:
        return economy_service.MoneyCurveRequest(
            fund=params.get("fund", ""),
            year=int(params.get("year", "0")),
            maximum=float(params.get("maximum", "0")) * 1e6,
            steps=int(params.get("steps", "10")),
        )
    except (ValueError, ValidationError):
        raise InvalidInput(BAD_CURVE) from None


@router.get("/economy", include_in_schema=False, response_class=HTMLResponse)
def economy_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    scope = viewer.scope
    scope.require("plan_runs", Action.read)
    lang = language_of(request)
    run = chosen_run(request, session, viewer)
    context: dict[str, Any] = {"run": run, "economy": None, "curve": None, "curve_error": None}
    context["may_curve"] = may_write(scope, "plan_runs")
    context["curve_values"] = dict(request.query_params)
    status_code = 200
    if run is not None and run.economy is not None:
        economy = economy_service.run_economy(session=session, scope=scope, run_id=run.id)
        context["economy"] = economy
        context["has_jobs"] = any("jobs" in row for row in economy.get("by_region", []))
        if economy.get("by_region"):
            context["region_chart"] = region_bars(economy["by_region"], lang, run.currency)
        funds: dict[str, list[dict[str, Any]]] = {}
        for row in economy.get("by_fund_region", []):
            funds.setdefault(row["fund"], []).append(row)
        context["funds"] = funds
        if context["may_curve"]:
            context["fund_codes"] = sorted({f.id for f in _funds_of(run)})
            try:
                body = _curve_request(request)
                if body is not None:
                    curve = economy_service.run_money_curve(
                        session=session, scope=scope, run_id=run.id, body=body
                    )
                    context["curve"] = curve
                    context["curve_chart"] = curve_lines(curve["rows"], lang, run.currency)
                    context["curve_tiers"], context["curve_steps"] = curve_steps(curve["rows"])
                    context["curve_query"] = urlencode(
                        {"run": run.id}
                        | {k: v for k, v in request.query_params.items() if k in CURVE_FIELDS}
                    )
            except InvalidInput as error:
                context["curve_error"] = error.detail
                status_code = 422
    return render(request, "economy.html", context, viewer=viewer, status_code=status_code)


def curve_steps(rows: list[dict[str, Any]]) -> tuple[list[int], list[dict[str, Any]]]:
    """The curve one row per step, each tier's figures side by side (as the workbook's first
    sheet): the tiers, and per step its extra money, cost and rows by tier."""
    tiers = sorted({int(row["priority"]) for row in rows})
    steps: dict[int, dict[str, Any]] = {}
    for row in rows:
        step = steps.setdefault(
            int(row["step"]), {"extra": row["extra"], "cost": row["cost"], "tiers": {}}
        )
        step["tiers"][int(row["priority"])] = row
    return tiers, [steps[k] for k in sorted(steps)]


def _funds_of(run: Any) -> list[Any]:
    from kuznia.instance import parse_instance

    return list(parse_instance(run.instance).funds)


def _download(request: Request, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """The money curve a download link asks for (the page's form, as a query)."""
    run = chosen_run(request, session, viewer)
    body = _curve_request(request)
    if run is None or body is None:
        raise InvalidInput(BAD_CURVE)
    return economy_service.run_money_curve(
        session=session, scope=viewer.scope, run_id=run.id, body=body
    )


def _file_name(curve: dict[str, Any], suffix: str) -> str:
    return f"money-curve-run{curve['run']}-{curve['fund']}-{curve['year']}.{suffix}"


@router.get("/economy/curve.csv", include_in_schema=False)
def curve_csv(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    curve = _download(request, session, viewer)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CURVE_COLUMNS)
    writer.writeheader()
    writer.writerows(curve["rows"])
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(curve, "csv")}"'},
    )


def curve_words(lang: Language) -> CurveWords:
    """The curve workbook's headers in the page's language."""
    return CurveWords(
        steps_sheet=lang.gettext("Steps"),
        tiers_sheet=lang.gettext("By tier"),
        about_sheet=lang.gettext("Read me"),
        step=lang.gettext("Step"),
        extra=lang.gettext("Extra money (%(currency)s)", currency="{currency}"),
        cost=lang.gettext("Cost (%(currency)s)", currency="{currency}"),
        priority=lang.gettext("Priority"),
        weighted=lang.gettext("Weighted unit-months short"),
        short=lang.gettext("Unit-months short"),
        closed=lang.gettext("Unit-months closed"),
        tier_weighted=lang.gettext("Tier %(tier)s: weighted unit-months short", tier="{tier}"),
        tier_short=lang.gettext("Tier %(tier)s: unit-months short", tier="{tier}"),
        tier_closed=lang.gettext("Tier %(tier)s: unit-months closed", tier="{tier}"),
        field=lang.gettext("Field"),
        value=lang.gettext("Value"),
        run=lang.gettext("Plan run"),
        fund=lang.gettext("Fund"),
        year=lang.gettext("Year"),
        currency=lang.gettext("Currency"),
        note=lang.gettext(
            "The plan is solved again at every step with the fund's budget of the year raised "
            "by the extra money; between steps the curve is drawn straight."
        ),
    )


@router.get("/economy/curve.xlsx", include_in_schema=False)
def curve_xlsx(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The money curve as a workbook: the steps with each tier side by side, and per tier."""
    curve = _download(request, session, viewer)
    out = io.BytesIO()
    write_curve_workbook(curve, out, words=curve_words(language_of(request)))
    return Response(
        out.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{_file_name(curve, "xlsx")}"'},
    )
