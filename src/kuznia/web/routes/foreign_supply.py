"""Foreign supply, in the ledger's section: the registry's expected foreign supply set against
what arrived, per item and per supplier country, as of a chosen day; the latest arrivals; and,
for a depot's staff, the form that records a foreign delivery on arrival at one of their
depots (it adds to the depot's stock, and so to the re-plan's).

Everything goes through kuznia.logistics.foreign in the caller's scope (planners and auditors
read every depot's arrivals, a depot's staff record and read their own depots'; producers and
partners get 403). As the ledger's forms, the form carries a client key made when it was
rendered, so sending it twice records once; a refusal records nothing and is shown beside
its field.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.errors import Forbidden, InvalidInput, KuzniaError, NotFound
from kuznia.logistics import foreign
from kuznia.logistics import service as logistics_service
from kuznia.logistics.foreign import (
    ForeignReceiptCreate,
    ForeignReceiptFilters,
    ForeignSupplyReport,
)
from kuznia.pagination import MAX_LIMIT, PageParams
from kuznia.registry.sections import ITEMS
from kuznia.web import execution, forms, results
from kuznia.web.forms import CHOOSE_DEPOT, NOT_YOUR_DEPOT
from kuznia.web.i18n import N_, Language
from kuznia.web.nav import may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.session import ViewerDep

router = APIRouter()
PATH = "/ledger/foreign-supply"
FIELDS = ("depot", "country", "item", "day", "quantity", "note")
LATEST = 50  # arrivals listed, newest first

NOT_A_COUNTRY = N_("Enter the supplier country's two-letter code, for example PL.")
UNKNOWN_ITEM = N_("Choose an item of the registry.")
IN_THE_FUTURE = N_("The day is in the future: record a delivery when it has arrived.")
SAVED = N_("The foreign delivery is recorded and added to the depot's stock.")
AGAIN = N_("This form had been sent already: it is recorded once.")


def country_name(lang: Language, code: str) -> str:
    """A country's name in the page's language, with its code: 'Польща (PL)'."""
    name = lang.locale.territories.get(code)
    return f"{name} ({code})" if name else code


def _report_rows(
    report: ForeignSupplyReport, items: dict[str, dict[str, Any]], lang: Language
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per item: expected (with the supplier countries the registry names), arrived and the
    difference, with the countries it came from; and
    per supplier country and item what arrived. Quantities carry the item's unit."""
    by_item: list[dict[str, Any]] = []
    by_country: list[dict[str, Any]] = []
    for row in (entry.model_dump() for entry in report.items):
        item = items.get(row["item"], {})
        unit = item.get("unit")
        countries = [
            {"country": country_name(lang, c["country"]), "quantity": c["quantity"]}
            for c in row["by_country"]
        ]
        expected_from = [
            {"country": country_name(lang, c["country"]), "quantity": c["quantity"]}
            for c in row["expected_by_country"]
        ]
        by_item.append(
            {
                **row,
                "by_country": countries,
                "expected_by_country": expected_from,
                "name": item.get("name", row["item"]),
                "unit": unit,
            }
        )
        by_country += [
            {**c, "code": row["item"], "name": item.get("name", row["item"]), "unit": unit}
            for c in countries
        ]
    by_country.sort(key=lambda r: (r["country"], r["name"]))
    return by_item, by_country


def _page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    receipt: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    scope = viewer.scope
    scope.require("foreign_receipts", Action.read)
    lang = language_of(request)
    today = execution.today()
    as_of, readable = execution.read_day(request.query_params.get("as_of"), today)
    report = foreign.foreign_supply_report(session=session, scope=scope, as_of=as_of)
    items = {i["code"]: i for i in results.records(session=session, scope=scope, section=ITEMS)}
    by_item, by_country = _report_rows(report, items, lang)
    _, total = foreign.list_foreign_receipts(
        session=session,
        scope=scope,
        filters=ForeignReceiptFilters(),
        page=PageParams(limit=1, offset=0),
    )
    latest, _ = foreign.list_foreign_receipts(
        session=session,
        scope=scope,
        filters=ForeignReceiptFilters(),
        page=PageParams(limit=LATEST, offset=max(0, total - LATEST)),
    )
    depots, _ = logistics_service.list_depots(
        session=session, scope=scope, filters={}, page=PageParams(limit=MAX_LIMIT, offset=0)
    )
    may_record = may_write(scope, "foreign_receipts") and bool(depots)
    receipt = receipt or forms.FormState(
        values={"day": today.isoformat(), "depot": depots[0].code if depots else ""}
    )
    saved = request.query_params.get("saved", "")
    return render(
        request,
        "foreign_supply.html",
        {
            "as_of": as_of,
            "as_of_readable": readable,
            "today": today,
            "start": report.start,
            "by_item": by_item,
            "by_country": by_country,
            "latest": [
                {
                    **r.model_dump(),
                    "country_name": country_name(lang, r.country),
                    "name": items.get(r.item, {}).get("name", r.item),
                    "unit": items.get(r.item, {}).get("unit"),
                }
                for r in reversed(latest)
            ],
            "total": total,
            "may_record": may_record,
            "depot_options": [(d.code, f"{d.name} ({d.code})") for d in depots],
            "item_options": [
                (code, f"{item['name']} ({code})") for code, item in sorted(items.items())
            ],
            "receipt": receipt,
            "saved": SAVED if saved.isdigit() else None,
            "saved_id": int(saved) if saved.isdigit() and len(saved) < 12 else None,
            "again": request.query_params.get("again") == "1",
            "role": scope.role.value,
        },
        viewer=viewer,
        status_code=status_code,
    )


@router.get(PATH, include_in_schema=False, response_class=HTMLResponse)
def foreign_supply_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    return _page(request, session, viewer)


def _country(text: str, errors: dict[str, str]) -> str:
    code = text.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        errors["country"] = NOT_A_COUNTRY
    return code


def _refused(errors: dict[str, str], state: forms.FormState, lang: Language) -> Any:
    """What the page shows for the service's refusals (their codes are not typed errors: the
    problems name the field)."""

    def refused(error: KuzniaError) -> int | None:
        if isinstance(error, NotFound):  # another organisation's depot, or none
            errors["depot"] = NOT_YOUR_DEPOT
            return 404
        if isinstance(error, InvalidInput):
            fields = {problem.field for problem in error.problems}
            if "client_key" in fields:  # sent before with other values
                state.general.append(lang.gettext(forms.KEY_USED))
                state.client_key = execution.new_client_key()
                return 409
            for name, message in (("item", UNKNOWN_ITEM), ("day", IN_THE_FUTURE)):
                if name in fields:
                    errors[name] = message
            return 422 if fields & {"item", "day"} else None
        return None

    return refused


@router.post(PATH, include_in_schema=False, response_class=HTMLResponse)
def record_foreign_delivery(
    request: Request, session: SessionDep, viewer: ViewerDep, form: forms.FormDep
) -> Response:
    """Record a foreign delivery that arrived at one of the caller's depots."""
    if not may_write(viewer.scope, "foreign_receipts"):
        raise Forbidden(f"role {viewer.scope.role.value} may not record foreign deliveries")
    lang = language_of(request)
    state = forms.FormState(
        values={name: str(form.get(name, "")).strip() for name in FIELDS},
        client_key=str(form.get("client_key", "")).strip() or execution.new_client_key(),
    )
    errors = state.errors
    if not state.values["depot"]:
        errors["depot"] = CHOOSE_DEPOT
    if not state.values["item"]:
        errors["item"] = UNKNOWN_ITEM
    country = _country(state.values["country"], errors)
    state.values["country"] = country
    day = forms.day_field(form, errors)
    quantity = forms.quantity(form, "quantity", errors, positive=True)
    if errors:
        return _page(request, session, viewer, receipt=state, status_code=422)
    try:
        body = ForeignReceiptCreate.model_validate(
            {
                "client_key": state.client_key,
                "depot": state.values["depot"],
                "country": country,
                "item": state.values["item"],
                "day": day,
                "quantity": quantity,
                "note": state.values["note"],
            }
        )
    except ValidationError as error:
        errors.update(forms.validation_errors(error, FIELDS))
        return _page(request, session, viewer, receipt=state, status_code=422)
    outcome = forms.submit(
        lambda: foreign.record_foreign_receipt(session=session, scope=viewer.scope, body=body),
        session=session,
        state=state,
        fields=FIELDS,
        lang=lang,
        refused=_refused(errors, state, lang),
    )
    if isinstance(outcome, forms.Refused):
        return _page(request, session, viewer, receipt=state, status_code=outcome.status_code)
    stored, created = outcome
    query = {"saved": str(stored.id), **({} if created else {"again": "1"})}
    return RedirectResponse(f"{PATH}?{urlencode(query)}#latest", status_code=303)
