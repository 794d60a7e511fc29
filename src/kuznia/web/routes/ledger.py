"""The daily ledger: what the depots received, accepted and rejected, what they dispatched to
which grouping, and what they hold, for a chosen day; and, for the depots' staff, the forms
that record a receipt, a dispatch or the reversal of an entry.

Everything goes through the logistics service, in the caller's scope: depot staff see and
record at their own depots, planners and auditors read every depot. Each form carries a
client key made when the form was rendered, so a second click or a browser sending the form
again records once (the service answers a retry with the stored entry). When the service
refuses, nothing is recorded (the request's transaction is rolled back) and its reason is
shown next to the field it is about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.errors import (
    ClientKeyReused,
    Conflict,
    Forbidden,
    InsufficientStock,
    KuzniaError,
    NotFound,
)
from kuznia.logistics import reports
from kuznia.logistics import service as logistics_service
from kuznia.logistics.schemas import (
    DailyStock,
    DepotRead,
    DispatchCreate,
    ReceiptCreate,
    ReceivableContract,
    ReversalCreate,
    StockRead,
)
from kuznia.pagination import MAX_LIMIT, Key, PageParams
from kuznia.registry.sections import GROUPINGS, ITEMS
from kuznia.web import execution, forms, results
from kuznia.web.forms import CHOOSE_DEPOT, NOT_YOUR_DEPOT
from kuznia.web.i18n import N_, Language
from kuznia.web.nav import may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.session import ViewerDep

router = APIRouter()
ALL = PageParams(limit=MAX_LIMIT, offset=0)
# Entries of one day shown per kind (a depot records dozens a day, not thousands).
DAY_ENTRIES = 500
RECEIPT_FIELDS = (
    "depot",
    "contract_id",
    "day",
    "lot",
    "received",
    "accepted",
    "rejected",
    "reason",
)
DISPATCH_FIELDS = ("depot", "item", "grouping", "day", "quantity", "note")
KINDS: dict[str, type[models.Receipt] | type[models.Dispatch]] = {
    "receipts": models.Receipt,
    "dispatches": models.Dispatch,
}
NOUNS = {"receipts": "receipt", "dispatches": "dispatch"}

CHOOSE_CONTRACT = N_("Enter the contract number from the delivery papers.")
NO_SUCH_CONTRACT = N_(
    "No contract is numbered %(number)s: enter the number on the delivery papers (or the "
    "contract's id)."
)
SUM_MISMATCH = N_("Received must be accepted plus rejected: %(sum)s.")
REJECTION_NEEDS_REASON = N_("Say why some was rejected.")
REVERSAL_NEEDS_REASON = N_("Say why this entry is corrected.")
NOT_ENOUGH = N_("Only %(held)s of %(item)s in stock at depot %(depot)s.")
NOT_ENOUGH_TO_REVERSE = N_(
    "Only %(held)s of %(item)s in stock at depot %(depot)s: reversing this receipt would take "
    "%(taken)s. Reverse the dispatches that took it first."
)
SAVED = {
    "receipt": N_("The receipt is recorded."),
    "dispatch": N_("The dispatch is recorded."),
}
CORRECTED = N_("The correction is recorded: the entry and its reversal are both kept.")
AGAIN = N_("This form had been sent already: it is recorded once.")


def _view(request: Request) -> tuple[date, str, bool]:
    """The day and depot the page shows (from the query), and whether the day could be read."""
    day, readable = execution.read_day(request.query_params.get("day"), execution.today())
    return day, request.query_params.get("depot", "").strip(), readable


def _ledger_url(day: date, depot: str, **extra: str) -> str:
    params = {"day": day.isoformat(), **({"depot": depot} if depot else {}), **extra}
    return "/ledger?" + urlencode(params)


@router.get("/ledger", include_in_schema=False, response_class=HTMLResponse)
def ledger(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    day, depot, readable = _view(request)
    kind, _, record_id = request.query_params.get("reverse", "").partition("-")
    reversal = (
        (kind, int(record_id), forms.FormState()) if kind in KINDS and record_id.isdigit() else None
    )
    return _ledger_page(
        request, session, viewer, day=day, depot=depot, day_readable=readable, reversal=reversal
    )


def _stock_rows(
    end_of_day: list[DailyStock], now: list[StockRead], names: dict[str, str]
) -> list[dict[str, Any]]:
    """Stock per depot and item: at the end of the day shown, and now."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for row in end_of_day:
        rows.setdefault((row.depot, row.item), {})["end_of_day"] = row.quantity
    for held in now:
        rows.setdefault((held.depot, held.item), {})["now"] = held.quantity
    return [
        {
            "depot": depot,
            "item": item,
            "name": names.get(item, item),
            "end_of_day": values.get("end_of_day", 0.0),
            "now": values.get("now", 0.0),
        }
        for (depot, item), values in sorted(rows.items())
        if abs(values.get("end_of_day", 0.0)) > 1e-9 or abs(values.get("now", 0.0)) > 1e-9
    ]


def _stock_options(
    stock: list[StockRead],
    depots: list[DepotRead],
    items: list[dict[str, Any]],
    lang: Language,
) -> list[tuple[str, list[tuple[str, str]]]]:
    """What the dispatch form offers: per depot, the items it holds now, with the quantity
    ('155 mm HE round (art-155-he) · 1 200 rounds')."""
    by_code = {item["code"]: item for item in items}
    held: dict[str, list[tuple[str, str]]] = {}
    for row in sorted(stock, key=lambda r: (r.depot, r.item)):
        if row.quantity <= 1e-9:
            continue
        item = by_code.get(row.item, {})
        quantity = lang.quantity(row.quantity, item.get("unit"))
        label = f"{item.get('name', row.item)} ({row.item}) · {quantity}"
        held.setdefault(row.depot, []).append((row.item, label))
    return [(f"{d.name} ({d.code})", held[d.code]) for d in depots if d.code in held]


def _contracts_open(session: Session, viewer: Viewer) -> list[ReceivableContract]:
    """The contracts taking deliveries now, what the receipt form offers to choose from (depot
    staff see their numbers, producers and items, not their terms)."""
    return logistics_service.receivable_contracts(session=session, scope=viewer.scope)


def _ledger_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    day: date,
    depot: str,
    day_readable: bool = True,
    receipt: forms.FormState | None = None,
    dispatch: forms.FormState | None = None,
    reversal: tuple[str, int, forms.FormState] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    scope = viewer.scope
    scope.require("depot_stock", Action.read)
    depots, _ = logistics_service.list_depots(session=session, scope=scope, filters={}, page=ALL)
    if depot not in {d.code for d in depots}:
        depot = ""
    report = reports.daily_report(session=session, scope=scope, day=day, depot=depot or None)
    of_the_day = {"day_from": day, "day_to": day, "depot": depot or None}
    receipts = execution.ledger_rows(
        session=session, scope=scope, model=models.Receipt, filters=of_the_day, limit=DAY_ENTRIES
    )
    dispatches = execution.ledger_rows(
        session=session, scope=scope, model=models.Dispatch, filters=of_the_day, limit=DAY_ENTRIES
    )
    stock_now, _ = logistics_service.list_stock(
        session=session, scope=scope, filters={"depot": depot or None}, page=ALL
    )
    items = results.records(session=session, scope=scope, section=ITEMS)
    names = {item["code"]: item["name"] for item in items}
    may_receive = may_write(scope, "receipts") and bool(depots)
    may_dispatch = may_write(scope, "dispatches") and bool(depots)
    today = execution.today()
    form_day = min(day, today).isoformat()
    default_depot = depot or (depots[0].code if depots else "")
    receipt = receipt or forms.FormState(
        values={"day": form_day, "depot": default_depot, "rejected": "0"}
    )
    dispatch = dispatch or forms.FormState(values={"day": form_day, "depot": default_depot})
    saved_kind, _, saved_id = request.query_params.get("saved", "").partition("-")
    correcting = None
    if reversal is not None and may_write(scope, reversal[0]):
        # the entry to correct, as the caller may read it (404 for another depot's)
        correcting = logistics_service.get_record(
            session=session, scope=scope, model=KINDS[reversal[0]], record_id=reversal[1]
        )
    return render(
        request,
        "ledger.html",
        {
            "day": day,
            "day_readable": day_readable,
            "today": today,
            "previous_day": _ledger_url(day - timedelta(days=1), depot),
            "next_day": _ledger_url(day + timedelta(days=1), depot),
            "depot": depot,
            "depots": depots,
            "report": report,
            "receipts": receipts,
            "dispatches": dispatches,
            "stock": _stock_rows(report.stock, stock_now, names),
            "names": names,
            "depot_options": [(d.code, f"{d.name} ({d.code})") for d in depots],
            "stock_options": _stock_options(stock_now, depots, items, language_of(request)),
            "grouping_options": [
                (g["code"], f"{g['name'] or g['code']} ({g['code']})")
                for g in results.records(session=session, scope=scope, section=GROUPINGS)
            ],
            "contracts": _contracts_open(session, viewer) if may_receive else [],
            "may_receive": may_receive,
            "may_dispatch": may_dispatch,
            "receipt": receipt,
            "dispatch": dispatch,
            "reversal": reversal,
            "correcting": correcting,
            "view": {"day": day.isoformat(), **({"depot": depot} if depot else {})},
            "saved": (
                CORRECTED
                if saved_kind in SAVED and request.query_params.get("corrected") == "1"
                else SAVED.get(saved_kind)
            ),
            "saved_row": f"{saved_kind}-{saved_id}" if saved_kind in SAVED else "",
            "again": request.query_params.get("again") == "1",
            "role": scope.role.value,
        },
        viewer=viewer,
        status_code=status_code,
    )


def _view_of(form: Any) -> tuple[date, str]:
    """The day and depot the page that sent a form was showing, to show them again."""
    day, _ = execution.read_day(str(form.get("view_day", "")), execution.today())
    return day, str(form.get("view_depot", "")).strip()


def _require(viewer: Viewer, resource: str) -> None:
    if not may_write(viewer.scope, resource):
        raise Forbidden(f"role {viewer.scope.role.value} may not record {resource}")


@router.post("/ledger/receipts", include_in_schema=False, response_class=HTMLResponse)
def record_receipt(
    request: Request, session: SessionDep, viewer: ViewerDep, form: forms.FormDep
) -> Response:
    """Record what arrived at one of the caller's depots and how acceptance judged it."""
    _require(viewer, "receipts")
    lang = language_of(request)
    view_day, view_depot = _view_of(form)
    state = forms.FormState(
        values={name: str(form.get(name, "")).strip() for name in RECEIPT_FIELDS},
        client_key=str(form.get("client_key", "")).strip() or execution.new_client_key(),
    )
    errors = state.errors
    if not state.values["depot"]:
        errors["depot"] = CHOOSE_DEPOT
    contract_id = None
    if not state.values["contract_id"]:
        errors["contract_id"] = lang.gettext(CHOOSE_CONTRACT)
    else:
        try:  # the number on the delivery papers, or the contract's id
            contract_id = logistics_service.receivable_contract_id(
                session=session, scope=viewer.scope, reference=state.values["contract_id"]
            )
        except NotFound:
            errors["contract_id"] = lang.gettext(
                NO_SUCH_CONTRACT, number=state.values["contract_id"]
            )
    day = forms.day_field(form, errors)
    received = forms.quantity(form, "received", errors, positive=True)
    accepted = forms.quantity(form, "accepted", errors, positive=False)
    # nothing rejected may be left empty
    rejected = (
        forms.quantity(form, "rejected", errors, positive=False) if state.values["rejected"] else 0
    )

    def again(status_code: int) -> HTMLResponse:
        return _ledger_page(
            request,
            session,
            viewer,
            day=view_day,
            depot=view_depot,
            receipt=state,
            status_code=status_code,
        )

    if errors:
        return again(422)
    try:
        body = ReceiptCreate.model_validate(
            {
                "client_key": state.client_key,
                "depot": state.values["depot"],
                "contract_id": contract_id,
                "day": day,
                "lot": state.values["lot"],
                "received": received,
                "accepted": accepted,
                "rejected": rejected,
                "reason": state.values["reason"],
            }
        )
    except ValidationError as error:
        errors.update(forms.validation_errors(error, RECEIPT_FIELDS))
        return again(422)

    def refused(error: KuzniaError) -> int | None:
        if isinstance(error, Conflict) and not isinstance(error, ClientKeyReused):
            # the contract is not signed or in delivery (or no longer)
            errors["contract_id"] = forms.refusal_text(error, lang)
            return 409
        return _not_yours(error, errors, RECEIPT_FIELDS, lang)

    outcome = forms.submit(
        lambda: logistics_service.record_receipt(
            session=session,
            scope=viewer.scope,
            body=body,
            settings=request.app.state.settings,
        ),
        session=session,
        state=state,
        fields=RECEIPT_FIELDS,
        lang=lang,
        by_code={
            logistics_service.RECEIVED_MISMATCH: lang.gettext(
                SUM_MISMATCH, sum=lang.number(body.accepted + body.rejected, 2)
            ),
            logistics_service.REJECTION_NEEDS_REASON: lang.gettext(REJECTION_NEEDS_REASON),
        },
        refused=refused,
    )
    if isinstance(outcome, forms.Refused):
        return again(outcome.status_code)
    stored, created = outcome
    return _saved(stored, created, view_depot, "receipt")


@router.post("/ledger/dispatches", include_in_schema=False, response_class=HTMLResponse)
def record_dispatch(
    request: Request, session: SessionDep, viewer: ViewerDep, form: forms.FormDep
) -> Response:
    """Record items one of the caller's depots sent to a grouping (they leave its stock)."""
    _require(viewer, "dispatches")
    lang = language_of(request)
    view_day, view_depot = _view_of(form)
    state = forms.FormState(
        values={name: str(form.get(name, "")).strip() for name in DISPATCH_FIELDS},
        client_key=str(form.get("client_key", "")).strip() or execution.new_client_key(),
    )
    errors = state.errors
    for name, message in (("depot", CHOOSE_DEPOT), ("item", forms.REQUIRED)):
        if not state.values[name]:
            errors[name] = message
    if not state.values["grouping"]:
        errors["grouping"] = forms.REQUIRED
    day = forms.day_field(form, errors)
    quantity = forms.quantity(form, "quantity", errors, positive=True)

    def again(status_code: int) -> HTMLResponse:
        return _ledger_page(
            request,
            session,
            viewer,
            day=view_day,
            depot=view_depot,
            dispatch=state,
            status_code=status_code,
        )

    if errors:
        return again(422)
    try:
        body = DispatchCreate.model_validate(
            {
                "client_key": state.client_key,
                "depot": state.values["depot"],
                "item": state.values["item"],
                "grouping": state.values["grouping"],
                "day": day,
                "quantity": quantity,
                "note": state.values["note"],
            }
        )
    except ValidationError as error:
        errors.update(forms.validation_errors(error, DISPATCH_FIELDS))
        return again(422)

    def refused(error: KuzniaError) -> int | None:
        if isinstance(error, InsufficientStock):
            errors["quantity"] = lang.gettext(
                NOT_ENOUGH, held=_amount(lang, error.held), item=error.item, depot=error.depot
            )
            return 409
        return _not_yours(error, errors, DISPATCH_FIELDS, lang)

    outcome = forms.submit(
        lambda: logistics_service.record_dispatch(
            session=session,
            scope=viewer.scope,
            body=body,
            settings=request.app.state.settings,
        ),
        session=session,
        state=state,
        fields=DISPATCH_FIELDS,
        lang=lang,
        refused=refused,
    )
    if isinstance(outcome, forms.Refused):
        return again(outcome.status_code)
    stored, created = outcome
    return _saved(stored, created, view_depot, "dispatch")


@router.post(
    "/ledger/{kind}/{record_id}/reverse", include_in_schema=False, response_class=HTMLResponse
)
def reverse_entry(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    kind: str,
    record_id: Key,
    form: forms.FormDep,
) -> Response:
    """Correct a receipt or a dispatch by its reversal (the entry stays, its quantities are
    taken back on its day), saying why."""
    model = KINDS.get(kind)
    if model is None:
        raise NotFound(f"no ledger entries called {kind!r}")
    _require(viewer, kind)
    lang = language_of(request)
    view_day, view_depot = _view_of(form)
    state = forms.FormState(
        values={"reason": str(form.get("reason", "")).strip()},
        client_key=str(form.get("client_key", "")).strip() or execution.new_client_key(),
    )

    def again(status_code: int) -> HTMLResponse:
        return _ledger_page(
            request,
            session,
            viewer,
            day=view_day,
            depot=view_depot,
            reversal=(kind, record_id, state),
            status_code=status_code,
        )

    if not state.values["reason"]:
        state.errors["reason"] = REVERSAL_NEEDS_REASON
        return again(422)
    body = ReversalCreate(client_key=state.client_key, reason=state.values["reason"])

    def refused(error: KuzniaError) -> int | None:
        if isinstance(error, InsufficientStock):
            state.errors["reason"] = lang.gettext(
                NOT_ENOUGH_TO_REVERSE,
                held=_amount(lang, error.held),
                item=error.item,
                depot=error.depot,
                taken=_amount(lang, error.asked),
            )
            return 409
        return None

    # a conflict other than the stock's: reversed already, or itself a reversal
    outcome = forms.submit(
        lambda: logistics_service.reverse(
            session=session,
            scope=viewer.scope,
            model=model,
            record_id=record_id,
            body=body,
            settings=request.app.state.settings,
        ),
        session=session,
        state=state,
        fields=("reason",),
        lang=lang,
        refused=refused,
    )
    if isinstance(outcome, forms.Refused):
        return again(outcome.status_code)
    stored, created = outcome
    return _saved(stored, created, view_depot, NOUNS[kind], corrected="1")


def _not_yours(
    error: KuzniaError, errors: dict[str, str], fields: Sequence[str], lang: Language
) -> int | None:
    """404 for a depot or contract of another organisation (or none), said beside its field;
    None for any other refusal."""
    if not isinstance(error, NotFound):
        return None
    none = lang.gettext(forms.NO_SUCH_RECORD)
    problems = [p if lang.code == "en" else replace(p, message=none) for p in error.problems]
    errors.update(forms.by_field(problems, fields)[0])
    if "depot" in errors:
        errors["depot"] = NOT_YOUR_DEPOT
    return 404


def _saved(
    stored: Mapping[str, Any], created: bool, depot: str, noun: str, **extra: str
) -> RedirectResponse:
    """Back to the ledger on the entry's day, naming the entry saved (and, when the form had
    been sent before, that it is recorded once)."""
    again = {} if created else {"again": "1"}
    return RedirectResponse(
        _ledger_url(stored["day"], depot, saved=f"{noun}-{stored['id']}", **extra, **again),
        status_code=303,
    )


def _amount(lang: Language, value: float) -> str:
    """A quantity with decimals only when it has them."""
    return lang.number(value, 0 if float(value).is_integer() else 2)
