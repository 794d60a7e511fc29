"""The planner's workbench: a scenario builder (strikes, foreign shortfalls, budget changes,
surges of need) whose scenarios are stored and run against a chosen plan; Monte Carlo sweeps;
critical producers and regions. Every run is a job of the worker pool, followed in place by
the analysis fragment (kuznia.web.routes.analyses) until its answer and charts are there."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.documents import JsonObject
from kuznia.errors import Conflict, Forbidden, InvalidInput, KuzniaError, NotFound
from kuznia.instance import parse_stored
from kuznia.instance.months import add_months, year_of
from kuznia.jobs import service as jobs_service
from kuznia.jobs.router import queued
from kuznia.jobs.schemas import JobRead
from kuznia.pagination import Key, PageParams
from kuznia.web import forms, results
from kuznia.web.i18n import N_, Language
from kuznia.web.nav import may_read, may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.routes.analyses import job_fragment
from kuznia.web.routes.foreign_supply import country_name
from kuznia.web.routes.plans import STATUS_NAMES
from kuznia.web.session import ViewerDep
from kuznia.workbench import service
from kuznia.workbench.schemas import CriticalCreate, ScenarioWrite, SweepCreate

router = APIRouter()
TABS = (
    ("scenarios", "/workbench", N_("Scenarios")),
    ("sweeps", "/workbench/sweeps", N_("Sweeps")),
    ("critical", "/workbench/critical", N_("Critical producers")),
)
BUILDER_FIELDS = (
    "name",
    "description",
    "strike_producer",
    "strike_region",
    "strike_first",
    "strike_last",
    "strike_share",
    "foreign_country",
    "foreign_item",
    "foreign_category",
    "foreign_share",
    "foreign_first",
    "foreign_last",
    "budget_fund",
    "budget_year",
    "budget_percent",
    "surge_category",
    "surge_percent",
    "surge_first",
    "surge_last",
)
NO_CHANGE = N_("Choose at least one change: a strike, a foreign shortfall, a budget or a surge.")
NO_PLAN = N_("Choose a finished plan.")
SHARE = N_("Enter a share in per cent above 0 and at most 100.")
PERCENT = N_("Enter a change in per cent of at least -100, for example -20 or 50.")
LAST_BEFORE_FIRST = N_("The last month cannot come before the first.")
COUNTRY_OR_ITEM = N_("Choose a supplier country, or an item or a category, not both.")
UNKNOWN_COUNTRY = N_("Choose a supplier country the registry names.")
COUNTRY_DELIVERS_NOTHING = N_(
    "This supplier country is expected to deliver nothing in the months chosen."
)
RECENT = 10


def _require(viewer: Viewer, resource: str = "scenarios", action: Action = Action.read) -> None:
    if action is Action.write and not may_write(viewer.scope, resource):
        raise Forbidden(f"role {viewer.scope.role.value} may not run the workbench")
    viewer.scope.require(resource, action)


def finished_runs(session: Session, viewer: Viewer) -> list[models.PlanRun]:
    """The finished plans with a plan, newest first."""
    return [
        run
        for run in results.runs(session=session, scope=viewer.scope, limit=50)
        if run.status is models.PlanRunStatus.finished and run.cost is not None
    ]


def builder_options(
    run: models.PlanRun | None, lang: Language, countries: list[str]
) -> dict[str, Any]:
    """What the builder offers: the newest finished plan's producers, regions, items,
    categories, funds, years and months, and the registry's supplier countries."""
    if run is None:
        return {}
    instance = parse_stored(run.instance)
    years = sorted({year_of(add_months(instance.start, t)) for t in range(instance.months)})
    return {
        "producers": sorted(
            (p.id, f"{p.name or p.id} ({p.id}, {p.region})") for p in instance.producers
        ),
        "regions": sorted({p.region for p in instance.producers}),
        "items": sorted((i.id, f"{i.name or i.id} ({i.id})") for i in instance.items),
        "categories": sorted({i.category for i in instance.items}),
        "funds": sorted((f.id, f.name or f.id) for f in instance.funds),
        "years": years,
        "months": [(t, lang.month(instance.start, t)) for t in range(instance.months)],
        "countries": [(code, country_name(lang, code)) for code in countries],
    }


def _recent(session: Session, viewer: Viewer, kind: str) -> list[JobRead]:
    if not may_read(viewer.scope, "jobs"):
        return []
    found, _ = jobs_service.list_jobs(
        session=session, scope=viewer.scope, page=PageParams(limit=RECENT, offset=0), kind=kind
    )
    return list(found)


def _page(
    request: Request,
    session: Session,
    viewer: Viewer,
    template: str,
    tab: str,
    *,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    runs = finished_runs(session, viewer)
    return render(
        request,
        template,
        {
            "tabs": TABS,
            "tab": tab,
            "runs": runs,
            "may_run": may_write(viewer.scope, "jobs"),
            "may_edit": may_write(viewer.scope, "scenarios"),
            "values": {},
            "errors": {},
            "general": [],
            "status_names": STATUS_NAMES,
            **(context or {}),
        },
        viewer=viewer,
        status_code=status_code,
    )


# --- scenarios ---------------------------------------------------------------------------------


def _scenarios_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    scenarios, _ = service.list_scenarios(session=session, scope=viewer.scope)
    runs = finished_runs(session, viewer)
    lang = language_of(request)
    return _page(
        request,
        session,
        viewer,
        "workbench.html",
        "scenarios",
        context={
            "scenarios": scenarios,
            "options": builder_options(
                runs[0] if runs else None,
                lang,
                service.supplier_countries(session=session, scope=viewer.scope),
            ),
            "recent": _recent(session, viewer, service.SCENARIO),
            "values": values or {"strike_share": "100", "foreign_share": "50"},
            "errors": errors or {},
            "general": general or [],
            "saved": request.query_params.get("saved"),
            "describe": lambda changes: describe_changes(changes, lang),
        },
        status_code=status_code,
    )


def describe_changes(changes: list[JsonObject], lang: Language) -> list[str]:
    """A scenario's changes, a line each in the page's language; the cuts resolved from one
    foreign shortfall by supplier country (consecutive, one label) make one line."""
    lines: list[str] = []
    k = 0
    while k < len(changes):
        country = (
            changes[k].get("country") if changes[k].get("kind") == "foreign_supply_cut" else None
        )
        if country is None:
            lines.append(describe_change(changes[k], lang))
            k += 1
            continue
        end = k
        while (
            end < len(changes)
            and changes[end].get("kind") == "foreign_supply_cut"
            and changes[end].get("country") == country
        ):
            end += 1
        lines.append(_describe_country(changes[k:end], country, lang))
        k = end
    return lines


def _describe_country(cuts: list[JsonObject], country: str, lang: Language) -> str:
    items = sorted({item for cut in cuts for item in cut.get("items", [])})
    first = min(int(cut.get("first_month", 0)) for cut in cuts)
    last = max(int(cut.get("last_month", first)) for cut in cuts)
    return lang.gettext(
        "Foreign shortfall from supplier country %(country)s: %(items)s, up to %(share)s of an "
        "item's foreign supply, %(months)s",
        country=country_name(lang, country),
        items=", ".join(items),
        share=lang.percent(max(float(cut.get("share", 1.0)) for cut in cuts), 0),
        months=(
            lang.gettext("month %(month)s", month=first + 1)
            if first == last
            else lang.gettext("months %(first)s–%(last)s", first=first + 1, last=last + 1)
        ),
    )


def describe_change(change: JsonObject, lang: Language) -> str:
    """One change of a scenario in a line of the page's language."""
    kind = change.get("kind")
    months = _months_text(change, lang)
    if kind == "capacity_loss":
        who = ", ".join([*change.get("producers", []), *change.get("regions", [])])
        return lang.gettext(
            "Strike: %(who)s loses %(share)s of capacity, %(months)s",
            who=who,
            share=lang.percent(float(change.get("share", 1.0)), 0),
            months=months,
        )
    if kind == "foreign_supply_cut":
        what = ", ".join([*change.get("items", []), *change.get("categories", [])])
        return lang.gettext(
            "Foreign shortfall: %(what)s loses %(share)s, %(months)s",
            what=what or lang.gettext("all foreign supply"),
            share=lang.percent(float(change.get("share", 1.0)), 0),
            months=months,
        )
    if kind == "budget_change":
        years = ", ".join(str(y) for y in change.get("years", [])) or lang.gettext("every year")
        factor = change.get("factor")
        amount = "×" + format(float(factor), "g") if factor is not None else None
        return lang.gettext(
            "Budget of %(fund)s in %(years)s: %(change)s",
            fund=change.get("fund", ""),
            years=years,
            change=amount or lang.number(change.get("amount")),
        )
    what = ", ".join(change.get("categories", [])) or lang.gettext("all needs")
    return lang.gettext(
        "Surge of needs: %(what)s ×%(factor)s, %(months)s",
        what=what,
        factor=format(float(change.get("factor", 1)), "g"),
        months=months,
    )


def _months_text(change: JsonObject, lang: Language) -> str:
    first, last = change.get("first_month", 0), change.get("last_month")
    if first == 0 and last is None:
        return lang.gettext("the whole horizon")
    if last is None:
        return lang.gettext("from month %(first)s", first=first + 1)
    return lang.gettext("months %(first)s–%(last)s", first=first + 1, last=last + 1)


@router.get("/workbench", include_in_schema=False, response_class=HTMLResponse)
def workbench(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    _require(viewer)
    return _scenarios_page(request, session, viewer)


def _text(form: Any, name: str) -> str:
    return str(form.get(name, "")).strip()


def _month(form: Any, name: str, errors: dict[str, str]) -> int | None:
    text = _text(form, name)
    if not text:
        return None
    try:
        value = forms.number(text)
    except forms.FormError:
        errors[name] = forms.NOT_A_WHOLE_NUMBER
        return None
    if not isinstance(value, int) or value < 0:
        errors[name] = forms.NOT_A_WHOLE_NUMBER
        return None
    return value


def _percent(form: Any, name: str, errors: dict[str, str], *, share: bool) -> float | None:
    text = _text(form, name)
    if not text:
        return None
    try:
        value = float(forms.number(text.rstrip("%")))
    except forms.FormError:
        errors[name] = SHARE if share else PERCENT
        return None
    if (share and not 0 < value <= 100) or (not share and value < -100):
        errors[name] = SHARE if share else PERCENT
        return None
    return value


def _window(form: Any, prefix: str, errors: dict[str, str]) -> dict[str, int]:
    first = _month(form, f"{prefix}_first", errors)
    last = _month(form, f"{prefix}_last", errors)
    if first is not None and last is not None and last < first:
        errors[f"{prefix}_last"] = LAST_BEFORE_FIRST
    window: dict[str, int] = {}
    if first is not None:
        window["first_month"] = first
    if last is not None:
        window["last_month"] = last
    return window


def read_builder(form: Any) -> tuple[JsonObject, dict[str, str]]:
    """The scenario document the builder's fields describe, and a message per bad field."""
    errors: dict[str, str] = {}
    changes: list[JsonObject] = []
    producer, region = _text(form, "strike_producer"), _text(form, "strike_region")
    share = _percent(form, "strike_share", errors, share=True)
    window = _window(form, "strike", errors)
    if producer or region:
        changes.append(
            {
                "kind": "capacity_loss",
                "producers": [producer] if producer else [],
                "regions": [region] if region else [],
                "share": (share or 100) / 100,
                **window,
            }
        )
    country = _text(form, "foreign_country")
    item, category = _text(form, "foreign_item"), _text(form, "foreign_category")
    cut = _percent(form, "foreign_share", errors, share=True)
    foreign_window = _window(form, "foreign", errors)
    if country and (item or category):
        errors["foreign_country"] = COUNTRY_OR_ITEM
    elif country:
        # resolved against the registry into cuts per item when stored (decision 0016)
        changes.append(
            {
                "kind": "foreign_supply_cut",
                "country": country,
                "share": (cut or 100) / 100,
                **foreign_window,
            }
        )
    elif item or category:
        changes.append(
            {
                "kind": "foreign_supply_cut",
                "items": [item] if item else [],
                "categories": [category] if category else [],
                "share": (cut or 100) / 100,
                **foreign_window,
            }
        )
    fund, year = _text(form, "budget_fund"), _text(form, "budget_year")
    budget = _percent(form, "budget_percent", errors, share=False)
    if fund and budget is not None:
        changes.append(
            {
                "kind": "budget_change",
                "fund": fund,
                "years": [int(year)] if year.isdigit() else [],
                "factor": round(1 + budget / 100, 6),
            }
        )
    elif fund and "budget_percent" not in errors:
        errors["budget_percent"] = forms.REQUIRED
    surge = _percent(form, "surge_percent", errors, share=False)
    surge_window = _window(form, "surge", errors)
    if surge is not None:
        category = _text(form, "surge_category")
        changes.append(
            {
                "kind": "need_surge",
                "categories": [category] if category else [],
                "factor": round(1 + surge / 100, 6),
                **surge_window,
            }
        )
    if not _text(form, "name"):
        errors["name"] = forms.REQUIRED
    document = {
        "name": _text(form, "name"),
        "description": _text(form, "description"),
        "changes": changes,
    }
    return document, errors


@router.post("/workbench/scenarios", include_in_schema=False, response_class=HTMLResponse)
def create_scenario(
    request: Request, session: SessionDep, viewer: ViewerDep, form: forms.FormDep
) -> Response:
    """Store the builder's scenario; its messages beside the fields."""
    _require(viewer, action=Action.write)
    document, errors = read_builder(form)
    values = {name: _text(form, name) for name in BUILDER_FIELDS}
    country = _text(form, "foreign_country")
    if country and "foreign_country" not in errors:
        known = service.supplier_countries(session=session, scope=viewer.scope)
        if country not in known:
            errors["foreign_country"] = UNKNOWN_COUNTRY
    general: list[str] = []
    if not document["changes"] and not errors:
        general.append(NO_CHANGE)
    if not errors and not general:
        try:
            stored = service.create_scenario(
                session=session, scope=viewer.scope, body=ScenarioWrite.model_validate(document)
            )
        except ValidationError as error:
            errors.update(forms.validation_errors(error, ("name", "description")))
        except (InvalidInput, Conflict) as error:
            problems = [p for p in error.problems if not p.field.endswith(".country")]
            if len(problems) < len(error.problems):
                # the country is one the registry names (checked above): it delivers
                # nothing in the months chosen
                errors["foreign_country"] = COUNTRY_DELIVERS_NOTHING
            lang = language_of(request)
            placed, rest = forms.by_field(forms.in_words(problems, lang), ("name",))
            errors.update(placed)
            general.extend(rest or ([] if placed else [forms.refusal_text(error, lang)]))
        else:
            return RedirectResponse(f"/workbench?saved={stored.id}", status_code=303)
    return _scenarios_page(
        request, session, viewer, values=values, errors=errors, general=general, status_code=422
    )


@router.post(
    "/workbench/scenarios/{scenario_id}/delete",
    include_in_schema=False,
    response_class=HTMLResponse,
)
def delete_scenario(session: SessionDep, viewer: ViewerDep, scenario_id: Key) -> Response:
    _require(viewer, action=Action.write)
    with suppress(NotFound):
        service.delete_scenario(session=session, scope=viewer.scope, scenario_id=scenario_id)
    return RedirectResponse("/workbench", status_code=303)


def _run_id(form: Any) -> int | None:
    text = _text(form, "plan_run_id")
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


def _queued(request: Request, session: Session, viewer: Viewer, job: models.Job) -> Response:
    """The job queued: followed in place (HTMX) or on its analysis page."""
    read = queued(request, session, job)
    if request.headers.get("HX-Request"):
        return job_fragment(request, session, viewer, read, status_code=202)
    return RedirectResponse(f"/analyses/{read.id}", status_code=303)


def _refused(request: Request, viewer: Viewer, error: KuzniaError) -> HTMLResponse:
    """A run that cannot be asked, said where its answer would have come."""
    lang = language_of(request)
    message = (
        lang.gettext(NO_PLAN) if "plan_run_id" in error.detail else forms.refusal_text(error, lang)
    )
    return render(
        request,
        "_workbench_error.html",
        {"message": message},
        viewer=viewer,
        status_code=error.status,
    )


@router.post(
    "/workbench/scenarios/{scenario_id}/run", include_in_schema=False, response_class=HTMLResponse
)
def run_scenario(
    request: Request, session: SessionDep, viewer: ViewerDep, scenario_id: Key, form: forms.FormDep
) -> Response:
    """Run a stored scenario against the chosen plan."""
    _require(viewer, "jobs", Action.write)
    run_id = _run_id(form)
    try:
        if run_id is None:
            raise InvalidInput("plan_run_id: choose a finished plan")
        job = service.start_scenario_run(
            session=session, scope=viewer.scope, scenario_id=scenario_id, run_id=run_id
        )
    except (InvalidInput, Conflict) as error:
        return _refused(request, viewer, error)
    return _queued(request, session, viewer, job)


# --- sweeps and critical producers -------------------------------------------------------------


@router.get("/workbench/sweeps", include_in_schema=False, response_class=HTMLResponse)
def sweeps(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    _require(viewer, "jobs")
    recent = _recent(session, viewer, service.SWEEP)
    return _page(
        request,
        session,
        viewer,
        "sweeps.html",
        "sweeps",
        context={"recent": recent, "values": {"scenarios": "50", "seed": "1"}},
    )


@router.post("/workbench/sweeps", include_in_schema=False, response_class=HTMLResponse)
def start_sweep(
    request: Request, session: SessionDep, viewer: ViewerDep, form: forms.FormDep
) -> Response:
    _require(viewer, "jobs", Action.write)
    errors: dict[str, str] = {}
    count = _month(form, "scenarios", errors)
    seed = _month(form, "seed", errors)
    run_id = _run_id(form)
    if run_id is None:
        errors["plan_run_id"] = NO_PLAN
    if count is None and "scenarios" not in errors:
        errors["scenarios"] = forms.REQUIRED
    if not errors:
        try:
            body = SweepCreate(plan_run_id=run_id or 0, scenarios=count or 0, seed=seed or 0)
            return _queued(
                request,
                session,
                viewer,
                service.start_sweep(session=session, scope=viewer.scope, body=body),
            )
        except ValidationError as error:
            errors.update(forms.validation_errors(error, ("scenarios", "seed", "plan_run_id")))
        except (InvalidInput, Conflict) as error:
            return _refused(request, viewer, error)
    return _form_errors(request, viewer, errors)


def _form_errors(request: Request, viewer: Viewer, errors: dict[str, str]) -> HTMLResponse:
    lang = language_of(request)
    message = "; ".join(lang.gettext(text) for text in errors.values())
    return render(
        request, "_workbench_error.html", {"message": message}, viewer=viewer, status_code=422
    )


@router.get("/workbench/critical", include_in_schema=False, response_class=HTMLResponse)
def critical(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    _require(viewer, "jobs")
    recent = _recent(session, viewer, service.CRITICAL)
    return _page(
        request,
        session,
        viewer,
        "critical.html",
        "critical",
        context={"recent": recent, "values": {"top": "10"}},
    )


@router.post("/workbench/critical", include_in_schema=False, response_class=HTMLResponse)
def start_critical(
    request: Request, session: SessionDep, viewer: ViewerDep, form: forms.FormDep
) -> Response:
    _require(viewer, "jobs", Action.write)
    errors: dict[str, str] = {}
    top = _month(form, "top", errors)
    run_id = _run_id(form)
    if run_id is None:
        errors["plan_run_id"] = NO_PLAN
    if not errors:
        try:
            body = CriticalCreate(plan_run_id=run_id or 0, top=10 if top is None else top)
            job = service.start_critical(session=session, scope=viewer.scope, body=body)
        except ValidationError as error:
            errors.update(forms.validation_errors(error, ("top", "plan_run_id")))
        except (InvalidInput, Conflict) as error:
            return _refused(request, viewer, error)
        else:
            return _queued(request, session, viewer, job)
    return _form_errors(request, viewer, errors)
