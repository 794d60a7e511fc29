"""Reading and verifying the audit chain, for those allowed to (auditors, administrators)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kuznia.audit.chain import Anchor, verify
from kuznia.audit.reconcile import reconcile
from kuznia.auditing.schemas import (
    AuditEventRead,
    AuditFilters,
    BreakRead,
    HeadRead,
    MismatchRead,
    ReconciliationRead,
    VerificationRead,
)
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.errors import FieldProblem, Forbidden, InvalidInput
from kuznia.models import AuditEvent, AuditHead
from kuznia.models.audit import GENESIS_HASH, HEAD_ID
from kuznia.models.base import as_utc
from kuznia.pagination import PageParams, paginate

# Which resource of the permissions policy each audited table (entity) belongs to: a reader
# of the chain sees an event's before and after only if its role reads that resource in full.
ENTITY_RESOURCES: dict[str, str] = {
    "items": "items",
    "planning_settings": "settings",
    "producers": "producers",
    "joint_venture_partners": "producers",
    "lines": "lines",
    "expansions": "expansions",
    "groupings": "groupings",
    "needs": "needs",
    "funds": "funds",
    "fund_budgets": "funds",
    "fund_eligibility": "funds",
    "foreign_supplies": "foreign_supply",
    "stocks": "stock",
    "commitments": "foreign_supply",
    "plan_runs": "plan_runs",
    "jobs": "jobs",
    "scenarios": "scenarios",
    "plan_run_tiers": "plan_runs",
    "plan_run_deliveries": "plan_runs",
    "plan_run_payments": "plan_runs",
    "plan_run_expansions": "plan_runs",
    "plan_run_allocations": "plan_runs",
    "plan_run_shortfalls": "plan_runs",
    "plan_run_summaries": "plan_runs",
    "registry": "instance",
    "depots": "depots",
    "contracts": "contracts",
    "contract_versions": "contracts",
    "contract_deliveries": "contracts",
    "contract_funding": "contracts",
    "contract_delivery_points": "contracts",
    "guarantee_delivery_points": "contracts",
    "guarantees": "contracts",
    "production_reports": "production_reports",
    "receipts": "receipts",
    "dispatches": "dispatches",
    "depot_stocks": "depot_stock",
    "opening_balances": "depot_stock",
    "users": "users",
    "api_tokens": "users",
    "organisations": "organisations",
    "targets": "targets",
    "export_orders": "export_orders",
    "foreign_receipts": "foreign_receipts",
}
REDACTED = "[redacted]"


def list_events(
    *, session: Session, scope: Scope, page: PageParams, filters: AuditFilters
) -> tuple[list[AuditEventRead], int]:
    """A page of events, newest first, and how many match."""
    scope.require("audit", Action.read)
    statement = select(AuditEvent).order_by(AuditEvent.seq.desc())
    for name, value in filters.model_dump(exclude_none=True).items():
        statement = statement.where(getattr(AuditEvent, name) == value)
    events, total = paginate(session=session, statement=statement, page=page)
    return [redacted(event_read(event), scope=scope) for event in events], total


def may_read_records(*, scope: Scope, entity: str) -> bool:
    """Whether the caller reads every record of `entity` in full (the chain is not scoped to
    an organisation, so reaching only one's own is not enough); unknown entities: no."""
    resource = ENTITY_RESOURCES.get(entity)
    return resource is not None and scope.access(resource, Action.read) is Access.all


def redacted(event: AuditEventRead, *, scope: Scope) -> AuditEventRead:
    """The event with its before and after values replaced by `[redacted]` (field names kept)
    when the caller may not read that entity; hashes stay, so the chain can still be checked."""
    if may_read_records(scope=scope, entity=event.entity):
        return event
    return event.model_copy(update={"before": _blank(event.before), "after": _blank(event.after)})


def _blank(record: Any) -> Any:
    if record is None:
        return None
    if isinstance(record, dict):
        return {name: REDACTED for name in record}
    return REDACTED


def event_read(event: AuditEvent) -> AuditEventRead:
    """An event as the API shows it, its before and after as JSON values."""
    return AuditEventRead(
        seq=event.seq,
        at=as_utc(event.at),
        actor=event.actor,
        actor_id=event.actor_id,
        action=event.action,
        entity=event.entity,
        entity_id=event.entity_id,
        before=None if event.before is None else json.loads(event.before),
        after=None if event.after is None else json.loads(event.after),
        prev_hash=event.prev_hash,
        hash=event.hash,
        scheme=event.scheme,
    )


def head(*, session: Session, scope: Scope) -> HeadRead:
    """The chain's head as stored: the number, hash and time of its last event (0, the genesis
    hash and no time while it is empty), and `anchor` (`SEQ:HASH`), the value to copy outside
    the database and give back to verify as `expect`."""
    scope.require("audit", Action.read)
    stored = session.get(AuditHead, HEAD_ID)
    seq, digest = (0, GENESIS_HASH) if stored is None else (stored.seq, stored.hash)
    at = session.scalar(select(AuditEvent.at).where(AuditEvent.seq == seq)) if seq else None
    return HeadRead(
        seq=seq, hash=digest, at=None if at is None else as_utc(at), anchor=f"{seq}:{digest}"
    )


def parse_anchor(text: str) -> Anchor:
    """`SEQ:HASH`, or InvalidInput naming `expect`."""
    try:
        return Anchor.parse(text)
    except ValueError as error:
        raise InvalidInput(
            f"expect: {error}", problems=[FieldProblem("expect", str(error))]
        ) from None


def verify_chain(*, session: Session, scope: Scope, expect: str | None = None) -> VerificationRead:
    """Walk the whole chain and say whether it is intact, and where it first breaks; with
    `expect` (`SEQ:HASH`, a head copied earlier), also whether that event still stands."""
    scope.require("audit", Action.read)
    anchor = None if expect is None else parse_anchor(expect)
    began = time.perf_counter()
    outcome = verify(session=session, expect=anchor)
    broken = outcome.first_break
    return VerificationRead(
        intact=outcome.intact,
        events=outcome.events,
        unkeyed_events=outcome.unkeyed,
        expected=None if anchor is None else f"{anchor.seq}:{anchor.hash}",
        head_seq=outcome.head_seq,
        head_hash=head(session=session, scope=scope).hash,
        first_break=None
        if broken is None
        else BreakRead(seq=broken.seq, event_id=broken.event_id, problem=broken.problem),
        seconds=round(time.perf_counter() - began, 3),
    )


def reconcile_rows(*, session: Session, scope: Scope) -> ReconciliationRead:
    """Replay the chain and compare it with the ledger, stock, contracts, guarantees and users
    rows: every row changed without an event, field by field (auditors only: it shows the
    values)."""
    scope.require("audit", Action.read)
    if not all(
        may_read_records(scope=scope, entity=entity)
        for entity in ("receipts", "contracts", "depot_stocks", "users")
    ):
        raise Forbidden(
            f"role {scope.role.value} may not reconcile the audit chain: it shows the values "
            "of receipts, stock, contracts and users"
        )
    began = time.perf_counter()
    outcome = reconcile(session=session)
    return ReconciliationRead(
        consistent=outcome.consistent,
        events=outcome.events,
        rows=outcome.rows,
        mismatches=[
            MismatchRead(
                table=found.table,
                row_id=found.row_id,
                field=found.field,
                in_row=found.in_row,
                per_chain=found.per_chain,
                problem=found.problem,
            )
            for found in outcome.mismatches
        ],
        seconds=round(time.perf_counter() - began, 3),
    )


def latest_events(*, session: Session, scope: Scope, limit: int) -> Sequence[AuditEventRead]:
    """The newest events, for a glance at the chain."""
    events, _ = list_events(
        session=session, scope=scope, page=PageParams(limit=limit, offset=0), filters=AuditFilters()
    )
    return events
