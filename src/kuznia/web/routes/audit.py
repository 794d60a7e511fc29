"""The audit chain, for auditors and administrators: how long it is and its newest event's
hash, a Verify button that walks the whole chain (htmx swaps the outcome in; without
JavaScript the page reloads with it), and the newest events with filters, each with the
record before and after the write it describes."""

from __future__ import annotations

import json
from math import ceil
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kuznia.auditing import service as audit_service
from kuznia.auditing.schemas import AuditFilters
from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.pagination import PageParams
from kuznia.web.pages import render
from kuznia.web.session import ViewerDep

router = APIRouter()
PAGE_SIZE = 25
FILTERS = ("entity", "entity_id", "actor", "action")
# What the entity filter suggests: the records people ask about most (any entity may be typed).
ENTITIES = (
    "contracts",
    "contract_versions",
    "guarantees",
    "receipts",
    "dispatches",
    "production_reports",
    "depot_stocks",
    "depots",
    "plan_runs",
    "needs",
    "funds",
    "lines",
    "producers",
    "users",
    "organisations",
    "registry",
)


def _shown(value: Any) -> str:
    """A value of a recorded record as people read it: text as it is, the rest as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def changes(before: Any, after: Any) -> list[dict[str, Any]]:
    """An event's before and after side by side, field by field, noting what changed."""
    old = before if isinstance(before, dict) else ({} if before is None else {"": before})
    new = after if isinstance(after, dict) else ({} if after is None else {"": after})
    return [
        {
            "field": name,
            "before": _shown(old[name]) if name in old else None,
            "after": _shown(new[name]) if name in new else None,
            "changed": old.get(name) != new.get(name) or (name in old) != (name in new),
        }
        for name in sorted(set(old) | set(new))
    ]


@router.get("/audit", include_in_schema=False, response_class=HTMLResponse)
def audit(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    scope = viewer.scope
    scope.require("audit", Action.read)
    params = request.query_params
    chosen = {name: params.get(name, "").strip() for name in FILTERS}
    try:
        number = max(1, int(params.get("page", "1")))
    except ValueError:
        number = 1
    events, total = audit_service.list_events(
        session=session,
        scope=scope,
        page=PageParams(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE),
        filters=AuditFilters(**{name: value or None for name, value in chosen.items()}),
    )
    newest, length = audit_service.list_events(
        session=session, scope=scope, page=PageParams(limit=1, offset=0), filters=AuditFilters()
    )
    verification = (
        audit_service.verify_chain(session=session, scope=scope)
        if params.get("verify") == "1"
        else None
    )
    return render(
        request,
        "audit.html",
        {
            "chosen": chosen,
            "filtered": any(chosen.values()),
            "events": events,
            "changes": {event.seq: changes(event.before, event.after) for event in events},
            "total": total,
            "page": number,
            "pages": max(1, ceil(total / PAGE_SIZE)),
            "head": audit_service.head(session=session, scope=scope) if newest else None,
            "length": length,
            "verification": verification,
            "entities": ENTITIES,
        },
        viewer=viewer,
    )


@router.get("/audit/verify", include_in_schema=False, response_class=HTMLResponse)
def verify(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Walk the whole chain; the outcome as a fragment for the page (htmx)."""
    outcome = audit_service.verify_chain(session=session, scope=viewer.scope)
    return render(request, "_verification.html", {"verification": outcome}, viewer=viewer)
