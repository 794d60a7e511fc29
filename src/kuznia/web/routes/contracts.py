"""Contracts and guarantees: lists with filters, a contract's page (its schedule against what
the depots accepted, its versions with the reason for each, who pays per fund and year), and
for planners the forms that sign, complete or terminate it.

What a person sees is what the contracts service lets their scope read: a producer's user
finds its own producer's contracts, a partner's user those its funds pay a share of (and only
its own funds' rows of their funding); another contract answers 404 as if it did not exist.
Every change goes through the service with the version the page was rendered with, so a
change made meanwhile by someone else is refused and said, not overwritten.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.contracts import service as contracts_service
from kuznia.contracts.schemas import AgreementFilters, DeliveryPointsUpdate
from kuznia.contracts.transitions import CONTRACT_ACTIONS, CONTRACT_MOVES
from kuznia.errors import Conflict, KuzniaError, NotFound, StaleVersion
from kuznia.logistics import service as logistics_service
from kuznia.logistics.schemas import ProductionReportCreate
from kuznia.pagination import Key, PageParams
from kuznia.registry.sections import ITEMS, PRODUCERS
from kuznia.web import execution, forms, results
from kuznia.web.i18n import N_
from kuznia.web.nav import may_read, may_write, reads_all
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.session import ViewerDep

router = APIRouter()
PAGE_SIZE = 50
CONTRACT_STATUSES = tuple(status.value for status in models.ContractStatus)
GUARANTEE_STATUSES = tuple(status.value for status in models.GuaranteeStatus)

DONE = {
    "sign": N_("The contract is signed."),
    "complete": N_("The contract is completed."),
    "terminate": N_("The contract is terminated."),
    "reported": N_("The output is reported."),
    "reported-again": N_("This form had been sent already: it is recorded once."),
    "delivery-points": N_("The delivery points are changed."),
}
CHOOSE_A_DEPOT = N_("Choose at least one depot.")
NOT_NOW = {
    "sign": N_("Only a draft contract can be signed; this one is %(status)s now."),
    "complete": N_("Only a contract in delivery can be completed; this one is %(status)s now."),
    "terminate": N_("This contract is %(status)s now: it can no longer be terminated."),
}
REASON_REQUIRED = N_("Say why the contract is terminated.")
# What a refusal answers when the change it asked for is in place already (a second click).
ALREADY_DONE = 303


def _page_number(request: Request, name: str = "page") -> int:
    try:
        return max(1, int(request.query_params.get(name, "1")))
    except ValueError:
        return 1


def _filters(
    request: Request, statuses: tuple[str, ...]
) -> tuple[AgreementFilters, dict[str, str]]:
    """The service's filters from the query, and the values to show in the filter form."""
    params = request.query_params
    shown = {name: params.get(name, "").strip() for name in ("status", "producer", "item", "plan")}
    if shown["status"] not in statuses:
        shown["status"] = ""
    if not shown["plan"].isdigit():
        shown["plan"] = ""
    filters = AgreementFilters(
        status=shown["status"] or None,
        producer=shown["producer"] or None,
        item=shown["item"] or None,
        plan_run_id=int(shown["plan"]) if shown["plan"] else None,
    )
    return filters, shown


def _lists_context(session: Session, viewer: Viewer, shown: dict[str, str]) -> dict[str, Any]:
    """What both lists' filter forms need."""
    scope = viewer.scope
    own_producer = scope.producer_id is not None
    items = results.records(session=session, scope=scope, section=ITEMS)
    return {
        "chosen": shown,
        "filtered": any(value for name, value in shown.items() if name != "plan"),
        "items": items,
        "item_names": {item["code"]: item["name"] for item in items},
        "units": {item["code"]: item.get("unit") or "" for item in items},
        # a producer's user sees only its own producer: nothing to choose
        "producers": []
        if own_producer or not may_read(scope, PRODUCERS.name)
        else results.records(session=session, scope=scope, section=PRODUCERS),
        "producer_filter": not own_producer,
        "may_approve": may_write(scope, "contracts"),
        "may_read_plans": may_read(scope, "plan_runs"),
        "may_publish": reads_all(scope, "contracts"),
        "role": scope.role.value,
    }


@router.get("/contracts", include_in_schema=False, response_class=HTMLResponse)
def contracts(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    scope = viewer.scope
    scope.require("contracts", Action.read)
    filters, shown = _filters(request, CONTRACT_STATUSES)
    number = _page_number(request)
    rows, total = contracts_service.list_contracts(
        session=session,
        scope=scope,
        filters=filters,
        page=PageParams(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE),
    )
    approved = None
    if request.query_params.get("approved", "").isdigit() and filters.plan_run_id:
        _, guarantees = contracts_service.list_guarantees(
            session=session,
            scope=scope,
            filters=AgreementFilters(plan_run_id=filters.plan_run_id),
            page=PageParams(limit=1, offset=0),
        )
        approved = {"run": filters.plan_run_id, "contracts": total, "guarantees": guarantees}
    return render(
        request,
        "contracts.html",
        {
            **_lists_context(session, viewer, shown),
            "tab": "contracts",
            "statuses": CONTRACT_STATUSES,
            "rows": rows,
            "total": total,
            "page": number,
            "pages": max(1, ceil(total / PAGE_SIZE)),
            "approved": approved,
        },
        viewer=viewer,
    )


@router.get("/contracts/guarantees", include_in_schema=False, response_class=HTMLResponse)
def guarantees(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    scope = viewer.scope
    scope.require("contracts", Action.read)
    filters, shown = _filters(request, GUARANTEE_STATUSES)
    number = _page_number(request)
    rows, total = contracts_service.list_guarantees(
        session=session,
        scope=scope,
        filters=filters,
        page=PageParams(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE),
    )
    return render(
        request,
        "contracts.html",
        {
            **_lists_context(session, viewer, shown),
            "tab": "guarantees",
            "statuses": GUARANTEE_STATUSES,
            "rows": rows,
            "total": total,
            "page": number,
            "pages": max(1, ceil(total / PAGE_SIZE)),
            "approved": None,
            "may_sign": may_write(scope, "contracts"),
            "guarantee_done": GUARANTEE_DONE.get(request.query_params.get("done", "")),
        },
        viewer=viewer,
    )


GUARANTEE_DONE = {
    "signed": N_("The guarantee is signed."),
    "not-signed": N_("The guarantee was not signed: it is no longer a draft, or it changed."),
}


@router.post(
    "/contracts/guarantees/{guarantee_id}/sign",
    include_in_schema=False,
    response_class=HTMLResponse,
)
def sign_guarantee(
    session: SessionDep, viewer: ViewerDep, guarantee_id: Key, form: forms.FormDep
) -> Response:
    """Sign a draft guarantee on the version the list showed; a second click is done."""
    try:
        version = int(str(form.get("version", "")))
    except ValueError:
        version = 0
    done = "signed"
    try:
        contracts_service.sign_guarantee(
            session=session, scope=viewer.scope, guarantee_id=guarantee_id, version=version
        )
    except (StaleVersion, Conflict):
        session.rollback()
        now = contracts_service.read_guarantee(
            session=session, scope=viewer.scope, guarantee_id=guarantee_id
        )
        done = "signed" if now.status is models.GuaranteeStatus.signed else "not-signed"
    return RedirectResponse(f"/contracts/guarantees?done={done}", status_code=303)


def render_contract(
    request: Request,
    session: Session,
    viewer: Viewer,
    contract_id: int,
    *,
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    values: dict[str, str] | None = None,
    production: Any | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The contract's page; `general` holds messages already in the page's language;
    `production` the producer's output form as it was sent (values, errors, client key)."""
    scope = viewer.scope
    contract = contracts_service.get_contract(session=session, scope=scope, contract_id=contract_id)
    read = contracts_service.read_contract(session=session, scope=scope, contract_id=contract_id)
    versions = contracts_service.contract_versions(
        session=session, scope=scope, contract_id=contract_id
    )
    as_of = execution.today()
    receipts = execution.ledger_rows(
        session=session, scope=scope, model=models.Receipt, filters={"contract_id": contract_id}
    )
    status = contract.status
    actions = contracts_service.contract_actions(status)
    may_change = may_write(scope, "contracts")
    may_route = may_change and status in CONTRACT_MOVES["route"].source
    depots = (
        logistics_service.list_depots(
            session=session, scope=scope, filters={}, page=PageParams(limit=1000, offset=0)
        )[0]
        if may_route
        else []
    )
    done = request.query_params.get("done", "")
    return render(
        request,
        "contract.html",
        {
            "contract": read,
            "unit": results.units_of_items(session=session, scope=scope).get(read.item, ""),
            "versions": list(reversed(versions)),
            "terms": read.terms,
            "progress": execution.contract_progress(
                session=session, contract=contract, as_of=as_of
            ),
            "as_of": as_of,
            "months": contracts_service.schedule_against_accepted(
                read.terms.deliveries,
                [receipt.model_dump(include={"day", "accepted"}) for receipt in receipts],
                as_of,
            ),
            "receipts": receipts,
            "may_read_plans": may_read(scope, "plan_runs"),
            "may_sign": may_change and "sign" in actions,
            "may_complete": may_change and "complete" in actions,
            "may_terminate": may_change and "terminate" in actions,
            "may_route": may_route,
            "depots": depots,
            "done": DONE.get(done),
            "errors": errors or {},
            "general": general or [],
            "values": values or {},
            "partner": scope.producer_id is None and bool(scope.fund_ids),
            "may_report": may_write(scope, "production_reports")
            and contracts_service.takes_deliveries(status),
            "production": production or forms.FormState(values={"day": as_of.isoformat()}),
        },
        viewer=viewer,
        status_code=status_code,
    )


@router.get("/contracts/{contract_id}", include_in_schema=False, response_class=HTMLResponse)
def contract_page(
    request: Request, session: SessionDep, viewer: ViewerDep, contract_id: Key
) -> HTMLResponse:
    """One contract; 404 for a contract the caller may not see."""
    return render_contract(request, session, viewer, contract_id)


PRODUCTION_FIELDS = ("day", "quantity", "lot", "note")


@router.post(
    "/contracts/{contract_id}/production", include_in_schema=False, response_class=HTMLResponse
)
def record_production(
    request: Request, session: SessionDep, viewer: ViewerDep, contract_id: Key, form: forms.FormDep
) -> Response:
    """A producer reports output made under one of its contracts (from the contract's page)."""
    viewer.scope.require("production_reports", Action.write)
    lang = language_of(request)
    state = forms.FormState(
        values={name: str(form.get(name, "")).strip() for name in PRODUCTION_FIELDS},
        client_key=str(form.get("client_key", "")).strip() or execution.new_client_key(),
    )
    errors = state.errors
    day = forms.day_field(form, errors)
    quantity = forms.quantity(form, "quantity", errors, positive=True)

    def again(status_code: int) -> HTMLResponse:
        return render_contract(
            request, session, viewer, contract_id, production=state, status_code=status_code
        )

    if errors:
        return again(422)
    try:
        body = ProductionReportCreate.model_validate(
            {
                "client_key": state.client_key,
                "contract_id": contract_id,
                "day": day,
                "quantity": quantity,
                "lot": state.values["lot"],
                "note": state.values["note"],
            }
        )
    except ValidationError as error:
        errors.update(forms.validation_errors(error, PRODUCTION_FIELDS))
        return again(422)
    outcome = forms.submit(
        lambda: logistics_service.record_production(
            session=session,
            scope=viewer.scope,
            body=body,
            settings=request.app.state.settings,
        ),
        session=session,
        state=state,
        fields=PRODUCTION_FIELDS,
        lang=lang,
    )
    if isinstance(outcome, forms.Refused):
        return again(outcome.status_code)
    _, created = outcome
    done = "reported" if created else "reported-again"
    return RedirectResponse(f"/contracts/{contract_id}?done={done}", status_code=303)


@router.post(
    "/contracts/{contract_id}/delivery-points",
    include_in_schema=False,
    response_class=HTMLResponse,
)
def change_delivery_points(
    request: Request, session: SessionDep, viewer: ViewerDep, contract_id: Key, form: forms.FormDep
) -> Response:
    """A planner sets the depots a contract is delivered to, on the version the page showed."""
    scope = viewer.scope
    scope.require("contracts", Action.write)
    lang = language_of(request)
    try:
        version = int(str(form.get("version", "")))
    except ValueError:
        version = 0
    codes = sorted({str(code) for code in form.getlist("depots") if str(code).strip()})
    if not codes:
        return render_contract(
            request,
            session,
            viewer,
            contract_id,
            errors={"depots": CHOOSE_A_DEPOT},
            status_code=422,
        )
    state = forms.FormState(values={})
    outcome = forms.submit(
        lambda: contracts_service.set_contract_delivery_points(
            session=session,
            scope=scope,
            contract_id=contract_id,
            body=DeliveryPointsUpdate(version=version or 1, depots=codes),
        ),
        session=session,
        state=state,
        fields=("depots",),
        lang=lang,
    )
    if isinstance(outcome, forms.Refused):
        return render_contract(
            request,
            session,
            viewer,
            contract_id,
            errors=state.errors,
            general=state.general,
            status_code=outcome.status_code,
        )
    return RedirectResponse(f"/contracts/{contract_id}?done=delivery-points", status_code=303)


@router.post(
    "/contracts/{contract_id}/{action}", include_in_schema=False, response_class=HTMLResponse
)
def change_contract(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    contract_id: Key,
    action: str,
    form: forms.FormDep,
) -> Response:
    """Sign, complete or terminate a contract on the version the page showed."""
    if action not in CONTRACT_ACTIONS:
        raise NotFound(f"no action {action!r} on contracts")
    scope = viewer.scope
    scope.require("contracts", Action.write)
    lang = language_of(request)
    try:
        version = int(str(form.get("version", "")))
    except ValueError:
        version = 0
    reason = str(form.get("reason", "")).strip()
    values = {"reason": reason}
    done = RedirectResponse(f"/contracts/{contract_id}?done={action}", status_code=303)
    if action == "terminate" and not reason:
        return render_contract(
            request,
            session,
            viewer,
            contract_id,
            errors={"reason": REASON_REQUIRED},
            values=values,
            status_code=422,
        )

    def change() -> models.Contract:
        return contracts_service.change_contract(
            session=session,
            scope=scope,
            contract_id=contract_id,
            version=version,
            action=action,
            reason=reason,
        )

    state = forms.FormState(values=values)

    def refused(error: KuzniaError) -> int | None:
        if not isinstance(error, Conflict):
            return None
        now = contracts_service.get_contract(session=session, scope=scope, contract_id=contract_id)
        if now.status is CONTRACT_MOVES[action].target:
            # a second click, or a retry of a request that went through: it is done
            return ALREADY_DONE
        if isinstance(error, StaleVersion):
            return None
        state.general.append(lang.gettext(NOT_NOW[action], status=lang.gettext(now.status.value)))
        return 409

    outcome = forms.submit(
        change, session=session, state=state, fields=("reason",), lang=lang, refused=refused
    )
    if isinstance(outcome, forms.Refused) and outcome.status_code != ALREADY_DONE:
        return render_contract(
            request,
            session,
            viewer,
            contract_id,
            errors=state.errors,
            general=state.general,
            values=values,
            status_code=outcome.status_code,
        )
    return done
