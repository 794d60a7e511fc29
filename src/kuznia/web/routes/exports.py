"""Exports: what the plan leaves for foreign buyers, per item and month (after the plan, and
what no tier would take even with unlimited funds), the orders served with their revenue, and
the proof in numbers that exports take nothing from the troops: the run's tier values and cost
beside those of the same plan solved without export orders (stored by the worker); and the
foreign buyers' offers in the registry, each shared with the producers of its item or not.

Planners and auditors read all of it (a run's exports are theirs, kuznia.plans.economy); a
planner shares an offer with its producers or stops sharing it. A producer's user reads only
the offers shared for items it makes (kuznia.registry.sections.EXPORT_ORDERS); partners and
depots read no offer and get 403."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Access, Action
from kuznia.documents import JsonObject
from kuznia.errors import Forbidden, NotFound
from kuznia.pagination import Key
from kuznia.plans import economy as economy_service
from kuznia.plans import service as plans_service
from kuznia.registry import service as registry_service
from kuznia.registry import settings as settings_service
from kuznia.registry.sections import EXPORT_ORDERS, ITEMS
from kuznia.web import forms, results
from kuznia.web.i18n import N_
from kuznia.web.nav import may_write, reads_all
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.session import ViewerDep

router = APIRouter()
SHARED = N_("The offer is shared with the producers of its item.")
UNSHARED = N_("The offer is no longer shared: its producers do not see it.")


def chosen_run(request: Request, session: Session, viewer: Viewer) -> Any:
    """The run named by `?run=`, else the newest finished one with a plan (None: none)."""
    text = request.query_params.get("run", "")
    if text.isdigit() and len(text) < 12:
        return plans_service.get_run(session=session, scope=viewer.scope, run_id=int(text))
    return plans_service.latest_finished_run(session=session, scope=viewer.scope)


@dataclass
class ItemSurplus:
    """An item's surplus over the horizon: each kind's total and the months that have some."""

    item: str
    after_plan: float = 0.0
    unconditional: float = 0.0
    months: list[JsonObject] = field(default_factory=list)


def _surplus_by_item(rows: list[JsonObject]) -> list[ItemSurplus]:
    """Per item: the months with surplus, and its total of each kind."""
    items: dict[str, ItemSurplus] = {}
    for row in rows:
        entry = items.setdefault(row["item"], ItemSurplus(item=row["item"]))
        after, unconditional = row.get("after_plan") or 0, row.get("unconditional") or 0
        entry.after_plan += after
        entry.unconditional += unconditional
        if after or unconditional:
            entry.months.append(row)
    return sorted(items.values(), key=lambda e: (-e.after_plan, e.item))


def offers_view(session: Session, viewer: Viewer) -> dict[str, Any]:
    """The export offers the caller reads, with their items' names and units, and the
    horizon's start and currency to write months and prices."""
    scope = viewer.scope
    items = {i["code"]: i for i in results.records(session=session, scope=scope, section=ITEMS)}
    offers = [
        {
            **offer,
            "name": items.get(offer["item"], {}).get("name", offer["item"]),
            "unit": items.get(offer["item"], {}).get("unit"),
        }
        for offer in results.records(session=session, scope=scope, section=EXPORT_ORDERS)
    ]
    offers.sort(key=lambda o: (o["month"], o["item"], o["code"]))
    try:
        horizon = settings_service.get_settings(session=session, scope=scope)
    except NotFound:  # no settings, so no offers either
        start, currency = None, ""
    else:
        start, currency = horizon.start, horizon.currency
    return {
        "item_info": items,
        "offers": offers,
        "offers_start": start,
        "offers_currency": currency,
        "may_share": may_write(scope, EXPORT_ORDERS.name),
        "producer_view": scope.producer_id is not None,
    }


@router.get("/exports", include_in_schema=False, response_class=HTMLResponse)
def exports_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    return _exports_page(request, session, viewer)


def _exports_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    share_errors: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    scope = viewer.scope
    if scope.access(EXPORT_ORDERS.name, Action.read) is Access.none:
        raise Forbidden("only planners, auditors and producers read export offers")
    context: dict[str, Any] = {
        **offers_view(session, viewer),
        "share_errors": share_errors or [],
        "saved": {"shared": SHARED, "unshared": UNSHARED}.get(
            request.query_params.get("saved", "")
        ),
        "saved_offer": request.query_params.get("offer", ""),
    }
    if not reads_all(scope, "plan_runs"):
        # a producer's user: the offers shared with it, nothing of the ministry's runs
        return render(request, "export_offers.html", context, viewer=viewer)
    run = chosen_run(request, session, viewer)
    context |= {"run": run, "exports": None, "surplus": []}
    if run is not None and run.economy is not None:
        context["exports"] = economy_service.run_exports(
            session=session, scope=scope, run_id=run.id
        )
        surplus = economy_service.run_surplus(session=session, scope=scope, run_id=run.id)
        context["surplus"] = _surplus_by_item(surplus.rows)
        context["start"] = run.start
    return render(request, "exports.html", context, viewer=viewer, status_code=status_code)


@router.post(
    "/exports/offers/{record_id}/share", include_in_schema=False, response_class=HTMLResponse
)
def share_offer(
    request: Request, session: SessionDep, viewer: ViewerDep, record_id: Key, form: forms.FormDep
) -> Response:
    """Share an export offer with the producers of its item (`shared=1`), or stop (`0`)."""
    if not may_write(viewer.scope, EXPORT_ORDERS.name):
        raise Forbidden(f"role {viewer.scope.role.value} may not share export offers")
    shared = str(form.get("shared", "")) == "1"
    state = forms.FormState()
    try:
        version = forms.whole_number(str(form.get("version", "")))
    except forms.FormError:
        version = -1  # refused below as stale, as any other version that is not the record's
    outcome = forms.submit(
        lambda: registry_service.update_record(
            session=session,
            section=EXPORT_ORDERS,
            scope=viewer.scope,
            record_id=record_id,
            version=version,
            changes={"shared": shared},
        ),
        session=session,
        state=state,
        fields=(),
        lang=language_of(request),
    )
    if isinstance(outcome, forms.Refused):
        return _exports_page(
            request, session, viewer, share_errors=state.general, status_code=outcome.status_code
        )
    run = str(form.get("run", "")).strip()
    query = urlencode(
        {
            **({"run": run} if run.isdigit() and len(run) < 12 else {}),
            "saved": "shared" if shared else "unshared",
            "offer": str(outcome.model_dump()["code"]),
        }
    )
    return RedirectResponse(f"/exports?{query}#offers", status_code=303)
