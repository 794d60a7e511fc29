"""Reading and verifying the audit chain, for those allowed to (auditors, administrators)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kuznia.audit.chain import verify
from kuznia.auditing.schemas import AuditFilters
from kuznia.auth.permissions import Action, Scope
from kuznia.models import AuditEvent, AuditHead
from kuznia.models.audit import GENESIS_HASH, HEAD_ID
from kuznia.models.base import as_utc
from kuznia.pagination import PageParams, paginate


def list_events(
    *, session: Session, scope: Scope, page: PageParams, filters: AuditFilters
) -> tuple[list[dict[str, Any]], int]:
    """A page of events, newest first, and how many match."""
    scope.require("audit", Action.read)
    statement = select(AuditEvent).order_by(AuditEvent.seq.desc())
    for name, value in filters.model_dump(exclude_none=True).items():
        statement = statement.where(getattr(AuditEvent, name) == value)
    events, total = paginate(session=session, statement=statement, page=page)
    return [event_read(event) for event in events], total


def event_read(event: AuditEvent) -> dict[str, Any]:
    """An event as the API shows it, its before and after as JSON values."""
    return {
        "seq": event.seq,
        "at": as_utc(event.at),
        "actor": event.actor,
        "actor_id": event.actor_id,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "before": None if event.before is None else json.loads(event.before),
        "after": None if event.after is None else json.loads(event.after),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def head(*, session: Session, scope: Scope) -> dict[str, Any]:
    """The chain's head as stored: the number and hash of its last event (0 and the genesis
    hash while it is empty), the value to copy outside the database."""
    scope.require("audit", Action.read)
    stored = session.get(AuditHead, HEAD_ID)
    if stored is None:
        return {"seq": 0, "hash": GENESIS_HASH}
    return {"seq": stored.seq, "hash": stored.hash}


def verify_chain(*, session: Session, scope: Scope) -> dict[str, Any]:
    """Walk the whole chain and say whether it is intact, and where it first breaks."""
    scope.require("audit", Action.read)
    began = time.perf_counter()
    outcome = verify(session=session)
    broken = outcome.first_break
    return {
        "intact": outcome.intact,
        "events": outcome.events,
        "head_seq": outcome.head_seq,
        "head_hash": head(session=session, scope=scope)["hash"],
        "first_break": None
        if broken is None
        else {"seq": broken.seq, "event_id": broken.event_id, "problem": broken.problem},
        "seconds": round(time.perf_counter() - began, 3),
    }


def latest_events(*, session: Session, scope: Scope, limit: int) -> Sequence[dict[str, Any]]:
    """The newest events, for a glance at the chain."""
    events, _ = list_events(
        session=session, scope=scope, page=PageParams(limit=limit, offset=0), filters=AuditFilters()
    )
    return events
