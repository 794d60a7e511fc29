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

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.errors import InvalidInput
from kuznia.planning.curves import CURVE_COLUMNS
from kuznia.plans import economy as economy_service
from kuznia.web.economy_charts import curve_lines, region_bars
from kuznia.web.i18n import N_
from kuznia.web.nav import may_write
from kuznia.web.pages import language_of, render
from kuznia.web.routes.exports import chosen_run
from kuznia.web.session import ViewerDep

router = APIRouter()
CURVE_FIELDS = ("fund", "year", "maximum", "steps")
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
            except InvalidInput as error:
                context["curve_error"] = error.detail
                status_code = 422
    return render(request, "economy.html", context, viewer=viewer, status_code=status_code)


def _funds_of(run: Any) -> list[Any]:
    from kuznia.instance import parse_instance

    return list(parse_instance(run.instance).funds)


@router.get("/economy/curve.csv", include_in_schema=False)
def curve_csv(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    run = chosen_run(request, session, viewer)
    body = _curve_request(request)
    if run is None or body is None:
        raise InvalidInput(BAD_CURVE)
    curve = economy_service.run_money_curve(
        session=session, scope=viewer.scope, run_id=run.id, body=body
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CURVE_COLUMNS)
    writer.writeheader()
    writer.writerows(curve["rows"])
    name = f"money-curve-run{run.id}-{body.fund}-{body.year}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
