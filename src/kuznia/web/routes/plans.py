"""Plans: start a solve and watch its progress (HTMX polls the run's progress and message),
read its results (tiers, coverage, cost, shortfalls with their reasons and marginal values),
and compare two plans side by side."""

from __future__ import annotations

import re
from contextlib import suppress
from math import ceil
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from kuznia import models
from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Access, Action
from kuznia.contracts import service as contracts_service
from kuznia.errors import Conflict, Forbidden
from kuznia.instance.vocabulary import OPERATIONS
from kuznia.pagination import Key, PageParams
from kuznia.plans import service as plans_service
from kuznia.plans.schemas import PlanRunCreate
from kuznia.web import forms, results, summaries
from kuznia.web.i18n import N_, Language
from kuznia.web.nav import may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.session import ViewerDep

router = APIRouter()
SHORTFALL_PAGE = 25
# What the approval form proposes: three months firm, the rest as guarantees of all of it.
DEFAULT_FIRM_MONTHS = 3
FIRM_MONTHS_RANGE = N_("Enter a whole number of months from 0 to %(months)s (the plan's horizon).")
SHARE_RANGE = N_("Enter a share above 0 and at most 100.")
ACTIVE = (models.PlanRunStatus.queued, models.PlanRunStatus.running)

# What the worker says as it goes, so that the catalogs can say it in every language.
PROGRESS_MESSAGES = (
    N_("waiting for a worker"),
    N_("starting"),
    N_("reading the snapshot"),
    N_("building the model"),
    N_("minimising cost with the tiers held"),
    N_("explaining shortfalls"),
    N_("cancelled"),
    N_("optimal"),
    N_("the worker stopped before the run finished"),
)
STATUS_NAMES = {
    "queued": N_("queued"),
    "running": N_("running"),
    "finished": N_("finished"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
}
_TIER = re.compile(r"^priority tier (\d+)$")
_FAILED = re.compile(r"^The solve failed; reference ([0-9a-f]+)$")


def progress_message(message: str, lang: Language) -> str:
    """The worker's progress message in the page's language (unknown ones as they are)."""
    tier = _TIER.match(message)
    if tier:
        return lang.gettext("priority tier %(tier)s", tier=tier.group(1))
    failed = _FAILED.match(message)
    if failed:
        return lang.gettext("The solve failed; reference %(reference)s", reference=failed.group(1))
    return lang.gettext(message)


def _run_view(run: models.PlanRun, viewer: Viewer) -> dict[str, Any]:
    """A run as the plans service shows it to this viewer (a partner sees no tiers or cost)."""
    return plans_service.run_read(run, scope=viewer.scope)


def _start_form_values(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    values = {
        "mode": str(form.get("mode", "lp")),
        "time_limit": str(form.get("time_limit", "")).strip(),
    }
    body: dict[str, Any] = {"mode": values["mode"]}
    errors: dict[str, str] = {}
    if values["time_limit"]:
        try:
            body["time_limit"] = float(forms.number(values["time_limit"]))
        except forms.FormError as error:
            errors["time_limit"] = str(error)
    return body, errors


@router.get("/plans", include_in_schema=False, response_class=HTMLResponse)
def plans(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    return _plans_page(request, session, viewer)


def _plans_page(
    request: Request,
    session: Any,
    viewer: Viewer,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    scope = viewer.scope
    scope.require("plan_runs", Action.read)
    found = results.runs(session=session, scope=scope, limit=100)
    finished = [
        run for run in found if run.status is models.PlanRunStatus.finished and run.cost is not None
    ]
    return render(
        request,
        "plans.html",
        {
            "runs": [_run_view(run, viewer) for run in found],
            "finished": finished,
            "may_plan": may_write(scope, "plan_runs"),
            "may_compare": scope.access("plan_runs", Action.read) is Access.all,
            "values": values or {"mode": "lp", "time_limit": ""},
            "errors": errors or {},
            "status_names": STATUS_NAMES,
            "registry_ready": results.horizon(session=session, scope=scope) is not None,
        },
        viewer=viewer,
        status_code=status_code,
    )


@router.post("/plans", include_in_schema=False, response_class=HTMLResponse)
def start_plan(
    request: Request, session: SessionDep, viewer: ViewerDep, form: forms.FormDep
) -> Response:
    """Queue a solve of the registry as it is now and go to its page."""
    body, errors = _start_form_values(form)
    values = {"mode": body["mode"], "time_limit": str(form.get("time_limit", ""))}
    if not errors:
        try:
            options = PlanRunCreate.model_validate(body)
        except ValidationError as error:
            for problem in error.errors(include_url=False):
                field = str(problem["loc"][0]) if problem["loc"] else "mode"
                errors[field] = _option_message(field)
        else:
            run = plans_service.start_run(session=session, scope=viewer.scope, body=options)
            session.commit()
            pool = getattr(request.app.state, "workers", None)
            if pool is not None:
                pool.poke()
            return RedirectResponse(f"/plans/{run.id}", status_code=303)
    return _plans_page(request, session, viewer, values=values, errors=errors, status_code=422)


def _option_message(field: str) -> str:
    if field == "time_limit":
        return N_("Enter a number of seconds above 0 and at most 86400 (a day), or leave it empty.")
    return N_("Choose lp or milp.")


@router.get("/plans/compare", include_in_schema=False, response_class=HTMLResponse)
def compare(
    request: Request, session: SessionDep, viewer: ViewerDep, a: int = 0, b: int = 0
) -> Response:
    """Two plans side by side: shortfall per tier, coverage per category, cost."""
    scope = viewer.scope
    if scope.access("plan_runs", Action.read) is not Access.all:
        raise Forbidden("comparing plans shows the needs' tiers: planners and auditors only")
    if a < 1 or b < 1:
        return RedirectResponse("/plans#compare", status_code=303)
    cache = request.app.state.web_results
    first = results.get_run(session=session, scope=scope, run_id=a)
    second = results.get_run(session=session, scope=scope, run_id=b)
    for run in (first, second):
        if run.status is not models.PlanRunStatus.finished or run.cost is None:
            raise Conflict(f"plan run {run.id} has no plan to compare ({run.status.value})")
    settings = results.horizon(session=session, scope=scope)
    months = settings["months"] if settings else 0
    category_of = results.categories_of_items(session=session, scope=scope)

    def coverage(run: models.PlanRun) -> dict[str, float]:
        rows = results.table(session=session, scope=scope, run=run, name="allocations", cache=cache)
        run_months = max((int(r["month"]) for r in rows), default=months - 1) + 1
        return {
            c.key: c.coverage
            for c in summaries.coverage_by_category(rows, category_of, max(months, run_months))
        }

    def capex(run: models.PlanRun) -> float:
        return sum(
            float(e["capex"]) * float(e["level"])
            for e in results.table(
                session=session, scope=scope, run=run, name="expansions", cache=cache
            )
        )

    return render(
        request,
        "compare.html",
        {
            "first": first,
            "second": second,
            "tiers": summaries.differences(
                {str(t.priority): t.weighted_unit_months_short for t in first.tiers},
                {str(t.priority): t.weighted_unit_months_short for t in second.tiers},
            ),
            "units": summaries.differences(
                {str(t.priority): t.unit_months_short for t in first.tiers},
                {str(t.priority): t.unit_months_short for t in second.tiers},
            ),
            "categories": summaries.differences(coverage(first), coverage(second)),
            "costs": [
                summaries.Difference("total", first.cost, second.cost),
                summaries.Difference("capital", capex(first), capex(second)),
            ],
            "overall": summaries.Difference("coverage", first.coverage, second.coverage),
            "currency": settings["currency"] if settings else "",
        },
        viewer=viewer,
    )


@router.get("/plans/{run_id}", include_in_schema=False, response_class=HTMLResponse)
def plan_page(
    request: Request, session: SessionDep, viewer: ViewerDep, run_id: Key
) -> HTMLResponse:
    return _plan_page(request, session, viewer, run_id)


def _plan_page(
    request: Request,
    session: Any,
    viewer: Viewer,
    run_id: int,
    *,
    approve_values: dict[str, str] | None = None,
    approve_errors: dict[str, str] | None = None,
    approve_general: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    scope = viewer.scope
    lang = language_of(request)
    cache = request.app.state.web_results
    run = results.get_run(session=session, scope=scope, run_id=run_id)
    settings = results.horizon(session=session, scope=scope)
    months = settings["months"] if settings else 0
    context: dict[str, Any] = {
        "run": _run_view(run, viewer),
        "active": run.status in ACTIVE,
        "may_cancel": may_write(scope, "plan_runs") and run.status in ACTIVE,
        "status_names": STATUS_NAMES,
        "progress_text": progress_message(run.message, lang),
        "settings": settings,
        "currency": settings["currency"] if settings else "",
        "full_reader": scope.access("plan_runs", Action.read) is Access.all,
        # Asking what would close a shortfall queues an analysis: planners.
        "may_ask": may_write(scope, "jobs"),
        "may_approve": may_write(scope, "contracts"),
    }
    if run.status is models.PlanRunStatus.finished and run.cost is not None:
        context["approval"] = contracts_service.run_approval(
            session=session, scope=viewer.scope, run_id=run.id
        )
        context["run_months"] = run.months
        context["approve_values"] = approve_values or {
            "firm_months": str(min(DEFAULT_FIRM_MONTHS, context["run_months"])),
            "guarantee_share": "100",
        }
        context["approve_errors"] = approve_errors or {}
        context["approve_general"] = approve_general or []
        category_of = results.categories_of_items(session=session, scope=scope)
        if context["full_reader"]:
            allocations = results.table(
                session=session, scope=scope, run=run, name="allocations", cache=cache
            )
            context["coverage"] = summaries.coverage_by_category(allocations, category_of, months)
            context["coverage_by_operation"] = summaries.coverage_by(
                allocations, "operation", months
            )
            context["coverage_by_grouping"] = summaries.coverage_by(allocations, "grouping", months)
            try:
                number = max(1, int(request.query_params.get("page", "1")))
            except ValueError:
                number = 1
            filters = shortfall_filters(request)
            shortfalls, total = plans_service.shortfall_page(
                session=session,
                scope=scope,
                run_id=run.id,
                filters=filters,
                page=PageParams(limit=SHORTFALL_PAGE, offset=(number - 1) * SHORTFALL_PAGE),
            )
            labels = results.labels(session=session, scope=scope)
            context.update(
                shortfalls=shortfalls,
                shortfall_total=total,
                shortfall_filters=filters,
                filter_options=_filter_options(run, labels, category_of),
                labels=labels,
                page=number,
                pages=max(1, ceil(total / SHORTFALL_PAGE)),
                first_index=(number - 1) * SHORTFALL_PAGE,
            )
        context["expansions"] = results.table(
            session=session, scope=scope, run=run, name="expansions", cache=cache
        )
        payments = results.table(
            session=session, scope=scope, run=run, name="payments", cache=cache
        )
        spend: dict[tuple[str, int], float] = {}
        for row in payments:
            spend[(row["fund"], int(row["year"]))] = spend.get(
                (row["fund"], int(row["year"])), 0.0
            ) + float(row["amount"])
        context["spend"] = [
            {"fund": fund, "year": year, "amount": amount}
            for (fund, year), amount in sorted(spend.items())
        ]
    return render(request, "plan.html", context, viewer=viewer, status_code=status_code)


def shortfall_filters(request: Request) -> dict[str, Any]:
    """The shortfall list's filters from the query (?tier=1&category=&item=&grouping=&operation=);
    a value the list cannot hold (a tier that is not a number) filters nothing."""
    found: dict[str, Any] = {}
    for name in ("tier", "category", "item", "grouping", "operation"):
        value = request.query_params.get(name, "").strip()
        if not value:
            continue
        if name == "tier":
            if not value.isdigit() or len(value) > 9:
                continue
            found[name] = int(value)
        else:
            found[name] = value[:200]
    return found


def _filter_options(
    run: models.PlanRun, labels: dict[str, dict[str, str]], category_of: dict[str, str]
) -> dict[str, list[tuple[str, str]]]:
    """The choices of each filter: tiers of the run, categories, items and groupings by name
    (code second), operation types."""

    def named(kind: str) -> list[tuple[str, str]]:
        return sorted(
            (
                (code, f"{name} ({code})" if name != code else code)
                for code, name in labels[kind].items()
            ),
            key=lambda pair: pair[1].lower(),
        )

    return {
        "tier": [(str(t.priority), str(t.priority)) for t in run.tiers],
        "category": [(c, c) for c in sorted(set(category_of.values()))],
        "item": named("items"),
        "grouping": named("groupings"),
        "operation": [(o, o) for o in OPERATIONS],
    }


@router.post("/plans/{run_id}/approve", include_in_schema=False, response_class=HTMLResponse)
def approve_plan(
    request: Request, session: SessionDep, viewer: ViewerDep, run_id: Key, form: forms.FormDep
) -> Response:
    """Approve a finished plan into draft contracts (its first firm months) and purchase
    guarantees (the months after), then show the contracts it made."""
    scope = viewer.scope
    scope.require("contracts", Action.write)
    lang = language_of(request)
    run = results.get_run(session=session, scope=scope, run_id=run_id)
    months = run.months if run.cost is not None else 0
    values = {
        "firm_months": str(form.get("firm_months", "")).strip(),
        "guarantee_share": str(form.get("guarantee_share", "")).strip(),
    }
    errors: dict[str, str] = {}
    firm = share = None
    try:
        firm = forms.whole_number(values["firm_months"])
        if not 0 <= firm <= months:
            raise forms.FormError(lang.gettext(FIRM_MONTHS_RANGE, months=months))
    except forms.FormError as error:
        errors["firm_months"] = str(error)
    try:
        share = float(forms.number(values["guarantee_share"]))
        if not 0 < share <= 100:
            raise forms.FormError(SHARE_RANGE)
    except forms.FormError as error:
        errors["guarantee_share"] = str(error)
    if not errors and firm is not None and share is not None:
        state = forms.FormState(values=values)
        outcome = forms.submit(
            lambda: contracts_service.approve_run(
                session=session,
                scope=scope,
                run_id=run_id,
                firm_months=firm,
                guarantee_share=share / 100,
            ),
            session=session,
            state=state,
            fields=("firm_months", "guarantee_share"),
            lang=lang,
        )
        if isinstance(outcome, forms.Refused):
            return _plan_page(
                request,
                session,
                viewer,
                run_id,
                approve_values=values,
                approve_errors=state.errors,
                approve_general=state.general,
                status_code=outcome.status_code,
            )
        return RedirectResponse(f"/contracts?plan={run_id}&approved={run_id}", status_code=303)
    return _plan_page(
        request,
        session,
        viewer,
        run_id,
        approve_values=values,
        approve_errors=errors,
        status_code=422,
    )


@router.get("/plans/{run_id}/progress", include_in_schema=False, response_class=HTMLResponse)
def plan_progress(
    request: Request, session: SessionDep, viewer: ViewerDep, run_id: Key
) -> HTMLResponse:
    """The progress fragment HTMX polls; once the run has ended the page reloads itself to
    show the outcome."""
    run = results.get_run(session=session, scope=viewer.scope, run_id=run_id)
    lang = language_of(request)
    headers = {"HX-Refresh": "true"} if run.status not in ACTIVE else None
    return render(
        request,
        "_progress.html",
        {
            "run": _run_view(run, viewer),
            "active": run.status in ACTIVE,
            "status_names": STATUS_NAMES,
            "progress_text": progress_message(run.message, lang),
        },
        viewer=viewer,
        headers=headers,
    )


@router.post("/plans/{run_id}/cancel", include_in_schema=False)
def cancel_plan(session: SessionDep, viewer: ViewerDep, run_id: Key) -> Response:
    with suppress(Conflict):  # it ended meanwhile: its page says how
        plans_service.cancel_run(session=session, scope=viewer.scope, run_id=run_id)
    return RedirectResponse(f"/plans/{run_id}", status_code=303)
