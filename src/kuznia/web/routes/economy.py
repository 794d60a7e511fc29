"""Economy: what the plan's money does at home. Spend, output value, export revenue and jobs
by region (a chart of the regions), by ownership and by joint-venture partner country; per
fund, where its money lands (fund x region). A partner sees only its own funds' part.

The money curve (planners): each tier's shortfall against more money from one fund in one
year. The form asks for it; a worker solves it on the run's snapshot (a `curve` analysis,
kuznia.plans.jobs) and its analysis page draws it, downloadable as CSV and Excel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.documents import JsonObject
from kuznia.errors import InvalidInput
from kuznia.instance import parse_stored
from kuznia.jobs import router as jobs_router
from kuznia.plans import economy as economy_service
from kuznia.plans import jobs as plan_jobs
from kuznia.web import forms
from kuznia.web.economy_charts import region_bars
from kuznia.web.i18n import N_
from kuznia.web.nav import may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.routes.exports import chosen_run
from kuznia.web.session import ViewerDep

router = APIRouter()
CURVE_FIELDS = ("fund", "year", "maximum", "steps")
BAD_CURVE = N_(
    "The curve needs a fund of the run, a year of its horizon, an amount above 0 and 1 to 20 steps."
)


@router.get("/economy", include_in_schema=False, response_class=HTMLResponse)
def economy_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    return _economy_page(request, session, viewer, curve_values=dict(request.query_params))


def _economy_page(
    request: Request,
    session: Any,
    viewer: Viewer,
    *,
    curve_values: dict[str, Any],
    curve_error: str | None = None,
) -> HTMLResponse:
    scope = viewer.scope
    scope.require("plan_runs", Action.read)
    lang = language_of(request)
    run = chosen_run(request, session, viewer)
    context: dict[str, Any] = {"run": run, "economy": None, "curve_error": curve_error}
    context["may_curve"] = may_write(scope, "jobs")
    context["curve_values"] = curve_values
    status_code = 422 if curve_error else 200
    if run is not None and run.economy is not None:
        economy = economy_service.run_economy(session=session, scope=scope, run_id=run.id)
        context["economy"] = economy
        context["has_jobs"] = any("jobs" in row for row in economy.by_region)
        if economy.by_region:
            context["region_chart"] = region_bars(economy.by_region, lang, run.currency)
        funds: dict[str, list[JsonObject]] = {}
        for row in economy.by_fund_region:
            funds.setdefault(row["fund"], []).append(row)
        context["funds"] = funds
        if context["may_curve"]:
            context["fund_codes"] = sorted({f.id for f in _funds_of(run)})
    return render(request, "economy.html", context, viewer=viewer, status_code=status_code)


def _funds_of(run: Any) -> list[Any]:
    return list(parse_stored(run.instance).funds)


def _curve_request(values: Mapping[str, Any]) -> economy_service.MoneyCurveRequest:
    """The money curve a form asks for (its amount in millions), or InvalidInput."""
    try:
        return economy_service.MoneyCurveRequest(
            fund=str(values.get("fund", "")),
            year=int(str(values.get("year", "0"))),
            maximum=float(str(values.get("maximum", "0"))) * 1e6,
            steps=int(str(values.get("steps", "10"))),
        )
    except (ValueError, ValidationError):
        raise InvalidInput(BAD_CURVE) from None


@router.post("/economy/curve", include_in_schema=False, response_class=HTMLResponse)
def ask_curve(
    request: Request, session: SessionDep, viewer: ViewerDep, form: forms.FormDep
) -> Response:
    """Ask for a money curve: queued for the worker pool; its analysis page follows it."""
    values = {k: str(form.get(k, "")).strip() for k in ("run", *CURVE_FIELDS)}
    try:
        if not values["run"].isdigit() or len(values["run"]) > 11:
            raise InvalidInput(BAD_CURVE)
        job = plan_jobs.start_curve(
            session=session,
            scope=viewer.scope,
            run_id=int(values["run"]),
            body=_curve_request(values),
        )
    except InvalidInput as error:
        return _economy_page(
            request,
            session,
            viewer,
            curve_values=values,
            curve_error=forms.refusal_text(error, language_of(request)),
        )
    jobs_router.queued(request, session, job)
    return RedirectResponse(f"/analyses/{job.id}", status_code=303)
