"""Reconciliation: replay the audit chain and compare the state it describes with the rows.

The chain proves its own events; this proves the rows. Every write appends an event in the
writer's transaction, so the rows of the ledger (production reports, receipts, dispatches),
stock per depot, contracts (their versions, schedules and funding), guarantees and users are
exactly what their events say. A row changed by raw SQL, with no event, shows here: the table,
the row's id, the field, the value in the row and the value per the chain.

Replaying: a `create` sets a record, a `delete` removes it, any other action (`update`, or a
service's own action such as `sign`, `amend` or a stock update) sets the fields its `after`
names; a status move that counts a new version without naming it (`before` holds the version)
counts it too. Values the chain withholds (password hashes) are not compared.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Double, Table, select
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.audit.capture import WITHHELD_VALUE
from kuznia.audit.chain import plain
from kuznia.models import AuditEvent

# The tables reconciled, in the order they are reported.
TABLES: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[misc]
    for model in (
        models.ProductionReport,
        models.Receipt,
        models.Dispatch,
        models.DepotStock,
        models.Contract,
        models.ContractVersion,
        models.ContractDelivery,
        models.ContractFunding,
        models.Guarantee,
        models.User,
    )
)
_DELETED = None
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Mismatch:
    """A row that differs from what the chain says: which row, which field, both values."""

    table: str
    row_id: str
    field: str
    in_row: Any
    per_chain: Any
    problem: str

    def describe(self) -> str:
        """One line naming the row, the field and both values."""
        return f"{self.table} {self.row_id}: {self.problem}"


@dataclass(frozen=True)
class Reconciliation:
    """How many events were replayed and rows compared, and every mismatch found."""

    events: int
    rows: int
    mismatches: list[Mismatch]

    @property
    def consistent(self) -> bool:
        return not self.mismatches


def reconcile(*, session: Session, batch: int = 5000) -> Reconciliation:
    """Replay the chain's events for the reconciled tables and compare them with the rows;
    every row changed, added or removed without an event, field by field."""
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        # One snapshot for the events and the rows: a write committed meanwhile is not half
        # seen. (SQLite's read transaction is a snapshot already.)
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    names = {table.name for table in TABLES}
    state: dict[tuple[str, str], dict[str, Any] | None] = {}
    replayed = 0
    for event in _events(session, names, batch):
        replayed += 1
        _apply(state, event)
    mismatches: list[Mismatch] = []
    compared = 0
    for table in TABLES:
        seen: set[str] = set()
        for row in session.execute(select(table)).mappings():
            compared += 1
            key = "/".join(str(row[column.name]) for column in table.primary_key.columns)
            seen.add(key)
            mismatches.extend(_compare(table, key, dict(row), state.get((table.name, key), {})))
        for (entity, key), recorded in state.items():
            if entity == table.name and key not in seen and recorded is not _DELETED:
                mismatches.append(
                    Mismatch(
                        table.name,
                        key,
                        "*",
                        None,
                        "present",
                        "the row is gone, but the chain has no event deleting it",
                    )
                )
    return Reconciliation(replayed, compared, mismatches)


def _events(session: Session, entities: set[str], batch: int) -> Iterator[AuditEvent]:
    after = 0
    while True:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity.in_(sorted(entities)), AuditEvent.seq > after)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        yield from events
        if len(events) < batch:
            return
        after = events[-1].seq
        session.expunge_all()


def _apply(state: dict[tuple[str, str], dict[str, Any] | None], event: AuditEvent) -> None:
    key = (event.entity, event.entity_id)
    before = None if event.before is None else json.loads(event.before)
    after = None if event.after is None else json.loads(event.after)
    if event.action == "delete":
        state[key] = _DELETED
        return
    if event.action == "create":
        state[key] = dict(after or {})
        return
    record = state.get(key) or {}
    record.update(after or {})
    if isinstance(before, dict) and "version" in before and "version" not in (after or {}):
        record["version"] = before["version"] + 1
    state[key] = record


def _compare(
    table: Table, key: str, row: dict[str, Any], recorded: dict[str, Any] | None
) -> Iterator[Mismatch]:
    if recorded is _DELETED:
        yield Mismatch(
            table.name, key, "*", "present", None, "the row exists, but the chain deleted it"
        )
        return
    if not recorded:
        yield Mismatch(
            table.name, key, "*", "present", None, "the row has no event: it was added unrecorded"
        )
        return
    for column in table.columns:
        if column.name not in recorded or recorded[column.name] == WITHHELD_VALUE:
            continue
        in_row = json.loads(json.dumps(plain(row[column.name]), default=str))
        per_chain = _as_column(column, recorded[column.name])
        if not _same(in_row, per_chain):
            yield Mismatch(
                table.name,
                key,
                column.name,
                in_row,
                per_chain,
                f"{column.name} is {in_row!r} in the row but {per_chain!r} per the chain",
            )


def _as_column(column: Any, value: Any) -> Any:
    """A recorded number as the column holds it (a stock update may record 70 for 70.0)."""
    if isinstance(value, int) and not isinstance(value, bool) and isinstance(column.type, Double):
        return float(value)
    return value


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return bool(left == right)
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return math.isclose(left, right, rel_tol=_TOLERANCE, abs_tol=_TOLERANCE)
    return bool(left == right)
