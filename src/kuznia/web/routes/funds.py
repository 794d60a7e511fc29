"""Funds: their budgets per year, what the latest plan spends from them, where that money goes
(a sankey of funds -> categories -> producers), and a form to change a fund for roles that may
write funds (through the registry service: the format's rules and the version apply)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.errors import Forbidden
from kuznia.instance.vocabulary import FUND_KINDS, OWNERSHIPS
from kuznia.pagination import Key
from kuznia.plans import summary as plans_summary
from kuznia.registry import service as registry_service
from kuznia.registry.schemas import RecordFields
from kuznia.registry.sections import FUNDS, ITEMS, PRODUCERS
from kuznia.web import charts, forms, results, summaries
from kuznia.web.nav import may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.session import ViewerDep

router = APIRouter()
KINDS = FUND_KINDS
RULES = ("categories", "ownership", "producers", "regions")


@router.get("/funds", include_in_schema=False, response_class=HTMLResponse)
def funds(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    scope = viewer.scope
    scope.require(FUNDS.name, Action.read)
    lang = language_of(request)
    cache = request.app.state.web_results
    found = results.records(session=session, scope=scope, section=FUNDS)
    settings = results.horizon(session=session, scope=scope)
    currency = settings.currency if settings else ""
    run = results.latest_finished_run(session=session, scope=scope)
    spends: list[summaries.Spend] = []
    sankey = None
    if run is not None:
        kept = results.summary(session=session, scope=scope, run=run, cache=cache)
        if kept is not None:  # the sums kept when the run finished: no row read
            spends = summaries.spend_against_budget(found, plans_summary.payment_rows(kept))
            paid, owners, expansions = plans_summary.flow_rows(kept)
        else:
            paid = results.table(
                session=session, scope=scope, run=run, name="payments", cache=cache
            )
            spends = summaries.spend_against_budget(found, paid)
            owners = results.table(
                session=session, scope=scope, run=run, name="deliveries", cache=cache
            )
            expansions = results.table(
                session=session, scope=scope, run=run, name="expansions", cache=cache
            )
        flows = summaries.money_flows(
            paid, owners, expansions, results.categories_of_items(session=session, scope=scope)
        )
        if flows.values:
            sankey = charts.money_sankey(flows, lang, currency)
    spent_by_fund: dict[str, dict[int, summaries.Spend]] = {}
    for spend in spends:
        spent_by_fund.setdefault(spend.fund, {})[spend.year] = spend
    return render(
        request,
        "funds.html",
        {
            "funds": found,
            "spent": spent_by_fund,
            "run": run,
            "sankey": sankey,
            "currency": currency,
            "may_edit": may_write(scope, FUNDS.name),
            "saved": request.query_params.get("saved"),
        },
        viewer=viewer,
    )


def _choices(session: Session, viewer: Viewer) -> dict[str, list[str]]:
    """What a fund's eligibility can name: the registry's categories and regions."""
    items = results.records(session=session, scope=viewer.scope, section=ITEMS)
    producers = results.records(session=session, scope=viewer.scope, section=PRODUCERS)
    return {
        "categories": sorted({item["category"] for item in items}),
        "ownership": list(OWNERSHIPS),
        "regions": sorted({producer["region"] for producer in producers}),
    }


def _values(fund: RecordFields) -> dict[str, Any]:
    """A fund's fields as the form shows them."""
    values: dict[str, Any] = {
        "name": fund["name"],
        "kind": fund["kind"],
        "expansions": fund["expansions"],
        "version": fund["version"],
        "budget": dict(fund["budget"]),
        "eligible": {rule: list(fund["eligible"][rule]) for rule in RULES},
    }
    values["eligible"]["producers"] = ", ".join(fund["eligible"]["producers"])
    return values


def _form(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    fund: RecordFields,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "fund_form.html",
        {
            "fund": fund,
            "values": values,
            "errors": errors or {},
            "general": general or [],
            "kinds": KINDS,
            "choices": _choices(session, viewer),
            "currency": results.currency(session=session, scope=viewer.scope),
        },
        viewer=viewer,
        status_code=status_code,
    )


def _require_write(viewer: Viewer) -> None:
    if not may_write(viewer.scope, FUNDS.name):
        raise Forbidden(f"role {viewer.scope.role.value} may not write funds")


@router.get("/funds/{fund_id}/edit", include_in_schema=False, response_class=HTMLResponse)
def edit_fund(
    request: Request, session: SessionDep, viewer: ViewerDep, fund_id: Key
) -> HTMLResponse:
    _require_write(viewer)
    fund = registry_service.get_record(
        session=session, section=FUNDS, scope=viewer.scope, record_id=fund_id
    ).model_dump()
    return _form(request, session, viewer, fund=fund, values=_values(fund))


@router.post("/funds/{fund_id}", include_in_schema=False, response_class=HTMLResponse)
def update_fund(
    request: Request, session: SessionDep, viewer: ViewerDep, fund_id: Key, form: forms.FormDep
) -> Response:
    _require_write(viewer)
    fund = registry_service.get_record(
        session=session, section=FUNDS, scope=viewer.scope, record_id=fund_id
    ).model_dump()
    errors: dict[str, str] = {}
    budget: dict[str, Any] = {}
    for year in fund["budget"]:
        text = str(form.get(f"budget.{year}", "")).strip()
        if not text:
            continue  # an emptied year is removed from the budget
        try:
            budget[year] = forms.number(text)
        except forms.FormError as error:
            errors[f"budget.{year}"] = str(error)
    new_year = str(form.get("budget_new_year", "")).strip()
    new_amount = str(form.get("budget_new_amount", "")).strip()
    if new_year or new_amount:
        if not new_year:
            errors["budget_new_year"] = forms.REQUIRED
        try:
            budget[new_year] = forms.number(new_amount)
        except forms.FormError as error:
            errors["budget_new_amount"] = str(error)
    eligible = {
        "categories": [str(v) for v in form.getlist("eligible.categories")],
        "ownership": [str(v) for v in form.getlist("eligible.ownership")],
        "regions": [str(v) for v in form.getlist("eligible.regions")],
        "producers": forms.codes(str(form.get("eligible.producers", ""))),
    }
    changes = {
        "name": str(form.get("name", "")).strip(),
        "kind": str(form.get("kind", "")),
        "expansions": form.get("expansions") == "on",
        "budget": budget,
        "eligible": eligible,
    }
    general: list[str] = []
    version = forms.version(form, general, language_of(request))
    values = {
        **changes,
        "version": form.get("version", ""),
        "budget": {**fund["budget"], **{k: form.get(f"budget.{k}", "") for k in fund["budget"]}},
    }
    values["eligible"] = {**eligible, "producers": str(form.get("eligible.producers", ""))}
    values["budget_new_year"], values["budget_new_amount"] = new_year, new_amount
    if errors or version is None:
        return _form(
            request, session, viewer, fund=fund, values=values, errors=errors, general=general,
            status_code=422,
        )  # fmt: skip
    fields = [
        "name",
        "kind",
        "expansions",
        "budget",
        *(f"budget.{y}" for y in budget),
        *(f"eligible.{r}" for r in RULES),
    ]
    state = forms.FormState()
    outcome = forms.submit(
        lambda: registry_service.update_record(
            session=session,
            section=FUNDS,
            scope=viewer.scope,
            record_id=fund_id,
            version=version,
            changes=changes,
        ),
        session=session,
        state=state,
        fields=fields,
        lang=language_of(request),
    )
    if isinstance(outcome, forms.Refused):
        placed = state.errors
        if new_year and f"budget.{new_year}" in placed:
            placed["budget_new_year"] = placed.pop(f"budget.{new_year}")
        return _form(
            request,
            session,
            viewer,
            fund=fund,
            values=values,
            errors=placed,
            general=state.general,
            status_code=outcome.status_code,
        )
    return RedirectResponse(forms.with_saved("/funds", fund_id), status_code=303)
