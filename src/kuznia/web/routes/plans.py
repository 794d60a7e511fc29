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
from kuznia.documents import ResultRow
from kuznia.errors import Conflict, Forbidden, InvalidInput, NotFound
from kuznia.instance.months import add_months
from kuznia.instance.vocabulary import OPERATIONS
from kuznia.jobs.router import hand_over
from kuznia.pagination import Key, PageParams
from kuznia.plans import comparison as comparison_service
from kuznia.plans import service as plans_service
from kuznia.plans import summary as plans_summary
from kuznia.plans.schemas import PlanRunCreate, PlanRunRead, ShortfallFilters
from kuznia.registry.settings import SettingsRead
from kuznia.replan import service as replan_service
from kuznia.replan.schemas import ReplanCreate
from kuznia.web import forms, results, summaries
from kuznia.web.i18n import N_, Language
from kuznia.web.nav import may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.session import ViewerDep

router = APIRouter()
SHORTFALL_PAGE = 25
TAKEOVER_ROWS = 20  # item-months of who takes over on the compare page, largest moves first
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
    N_("solving the robust plan"),
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
_ROBUST = re.compile(r"^robust plan over (\d+) scenarios$")


def progress_message(message: str, lang: Language) -> str:
    """The worker's progress message in the page's language (unknown ones as they are)."""
    tier = _TIER.match(message)
    if tier:
        return lang.gettext("priority tier %(tier)s", tier=tier.group(1))
    failed = _FAILED.match(message)
    if failed:
        return lang.gettext("The solve failed; reference %(reference)s", reference=failed.group(1))
    robust = _ROBUST.match(message)
    if robust:
        return lang.gettext("robust plan over %(count)s scenarios", count=robust.group(1))
    return lang.gettext(message)


def _run_view(run: models.PlanRun, viewer: Viewer) -> PlanRunRead:
    """A run as the plans service shows it to this viewer (a partner sees no tiers or cost)."""
    return plans_service.run_read(run, scope=viewer.scope)


ROBUST_FIELDS = {
    "robust_scenarios": "scenarios",
    "robust_seed": "seed",
    "check_scenarios": "check_scenarios",
    "check_seed": "check_seed",
}
ROBUST_DEFAULTS = {"robust_scenarios": "20", "robust_seed": "0", "check_scenarios": "40"}


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
    if form.get("robust"):
        robust: dict[str, Any] = {}
        for name, key in ROBUST_FIELDS.items():
            text = str(form.get(name, "")).strip()
            if not text:
                continue
            try:
                number = forms.number(text)
            except forms.FormError:
                number = None
            if not isinstance(number, int):
                errors[name] = forms.NOT_A_WHOLE_NUMBER
                continue
            robust[key] = number
        if "scenarios" not in robust and "robust_scenarios" not in errors:
            errors["robust_scenarios"] = forms.REQUIRED
        body["robust"] = robust
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
    replan_error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    scope = viewer.scope
    scope.require("plan_runs", Action.read)
    found = results.runs(session=session, scope=scope, limit=100)
    horizon = results.horizon(session=session, scope=scope)
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
            "values": values or {"mode": "lp", "time_limit": "", **ROBUST_DEFAULTS},
            "errors": errors or {},
            "horizon": horizon,
            "horizon_months": _horizon_months(horizon, language_of(request)),
            "replan_error": replan_error,
            "status_names": STATUS_NAMES,
            "registry_ready": horizon is not None,
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
    values |= {name: str(form.get(name, "")) for name in ROBUST_FIELDS}
    values["robust"] = "1" if form.get("robust") else ""
    if not errors:
        try:
            options = PlanRunCreate.model_validate(body)
        except ValidationError as error:
            for problem in error.errors(include_url=False):
                field = str(problem["loc"][0]) if problem["loc"] else "mode"
                if field == "robust":
                    field = _robust_field(problem["loc"], body["mode"])
                errors[field] = _option_message(field)
        else:
            run = plans_service.start_run(session=session, scope=viewer.scope, body=options)
            hand_over(request, session)
            return RedirectResponse(f"/plans/{run.id}", status_code=303)
    return _plans_page(request, session, viewer, values=values, errors=errors, status_code=422)


def _robust_field(location: tuple[Any, ...], mode: str) -> str:
    """The form field of a robust setting the model refused (`mode` when it is not lp)."""
    named = {key: name for name, key in ROBUST_FIELDS.items()}
    if len(location) > 1 and str(location[1]) in named:
        return named[str(location[1])]
    return "mode" if mode != "lp" else "robust_scenarios"


def _horizon_months(horizon: SettingsRead | None, lang: Language) -> list[tuple[str, str]]:
    """The registry's months, as the re-plan's first month may be chosen."""
    if not horizon or not horizon.start:
        return []
    start = horizon.start
    return [(add_months(start, t), lang.month(start, t)) for t in range(horizon.months)]


@router.post("/plans/replan", include_in_schema=False, response_class=HTMLResponse)
def start_replan(
    request: Request, session: SessionDep, viewer: ViewerDep, form: forms.FormDep
) -> Response:
    """Re-plan from the actual state from the month chosen; go to the re-plan's run."""
    start = str(form.get("start", "")).strip()
    try:
        body = ReplanCreate(start=start, plan=True)
        _, run = replan_service.start_replan(session=session, scope=viewer.scope, body=body)
    except ValidationError:
        message = language_of(request).gettext(REPLAN_MONTH)
        return _plans_page(request, session, viewer, replan_error=message, status_code=422)
    except (InvalidInput, NotFound, Conflict) as error:
        session.rollback()
        message = forms.refusal_text(error, language_of(request))
        return _plans_page(request, session, viewer, replan_error=message, status_code=error.status)
    hand_over(request, session)
    if run is None:
        return RedirectResponse("/plans", status_code=303)
    return RedirectResponse(f"/plans/{run.id}", status_code=303)


REPLAN_MONTH = N_("Choose the re-plan's first month among the registry's months.")
ROBUST_MESSAGE = N_(
    "Enter whole numbers: 1 to 500 scenarios, 1 to 2000 for the check, seeds 0 or more; "
    "the robust plan is lp only."
)


def _option_message(field: str) -> str:
    if field in ROBUST_FIELDS:
        return ROBUST_MESSAGE
    if field == "time_limit":
        return N_("Enter a number of seconds above 0 and at most 86400 (a day), or leave it empty.")
    return N_("Choose lp or milp.")


@router.get("/plans/compare", include_in_schema=False, response_class=HTMLResponse)
def compare(
    request: Request, session: SessionDep, viewer: ViewerDep, a: int = 0, b: int = 0
) -> Response:
    """Two plans side by side: shortfall per tier, coverage, cost, spend per fund and year, who
    takes over, and why (kuznia.plans.comparison)."""
    scope = viewer.scope
    if scope.access("plan_runs", Action.read) is not Access.all:
        raise Forbidden("comparing plans shows the needs' tiers: planners and auditors only")
    if a < 1 or b < 1:
        return RedirectResponse("/plans#compare", status_code=303)
    cache = request.app.state.web_results

    def read_table(run: models.PlanRun, name: str) -> list[ResultRow]:
        return results.table(session=session, scope=scope, run=run, name=name, cache=cache)

    comparison = comparison_service.compare_runs(
        session=session, scope=scope, first_id=a, second_id=b, read_table=read_table
    )
    first = results.get_run(session=session, scope=scope, run_id=a)
    second = results.get_run(session=session, scope=scope, run_id=b)
    settings = results.horizon(session=session, scope=scope)
    return render(
        request,
        "compare.html",
        {
            "first": first,
            "second": second,
            "comparison": comparison,
            "tiers": comparison.tiers,
            "categories": comparison.coverage_by["category"],
            "costs": [c for c in comparison.costs if c.key != "deliveries"],
            "overall": comparison.coverage,
            "spend": [s for s in comparison.spend if abs(s.change) >= 0.5],
            "takeovers": comparison.takeovers[:TAKEOVER_ROWS],
            "labels": results.labels(session=session, scope=scope),
            "currency": settings.currency if settings else "",
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
    months = settings.months if settings else 0
    context: dict[str, Any] = {
        "run": _run_view(run, viewer),
        "active": run.status in ACTIVE,
        "may_cancel": may_write(scope, "plan_runs") and run.status in ACTIVE,
        "status_names": STATUS_NAMES,
        "progress_text": progress_message(run.message, lang),
        "settings": settings,
        "currency": settings.currency if settings else "",
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
        kept = results.summary(session=session, scope=scope, run=run, cache=cache)
        if context["full_reader"]:
            by_item = by_operation = by_grouping = None
            if kept is not None:  # the sums kept when the run finished: no row read
                by_item = plans_summary.allocation_rows(kept, "item")
                by_operation = plans_summary.allocation_rows(kept, "operation")
                by_grouping = plans_summary.allocation_rows(kept, "grouping")
            else:
                by_item = by_operation = by_grouping = results.table(
                    session=session, scope=scope, run=run, name="allocations", cache=cache
                )
            context["coverage"] = summaries.coverage_by_category(by_item, category_of, months)
            context["coverage_by_operation"] = summaries.coverage_by(
                by_operation, "operation", months
            )
            context["coverage_by_grouping"] = summaries.coverage_by(by_grouping, "grouping", months)
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
                shortfall_filters=filters.given(),
                filter_options=_filter_options(run, labels, category_of),
                labels=labels,
                page=number,
                pages=max(1, ceil(total / SHORTFALL_PAGE)),
                first_index=(number - 1) * SHORTFALL_PAGE,
            )
        context["expansions"] = results.table(
            session=session, scope=scope, run=run, name="expansions", cache=cache
        )
        payments = (
            plans_summary.payment_rows(kept)
            if kept is not None
            else results.table(session=session, scope=scope, run=run, name="payments", cache=cache)
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


def shortfall_filters(request: Request) -> ShortfallFilters:
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
    return ShortfallFilters(**found)


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
