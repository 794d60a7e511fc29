"""Status changes that cannot overwrite each other: one conditional UPDATE."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Table, update
from sqlalchemy.orm import Session

from kuznia.audit.chain import SYSTEM, Actor, Change, append, defer


def move(
    executor: Connection | Session,
    *,
    table: Table,
    record_id: int,
    expected: Iterable[Any],
    version: int | None = None,
    **values: Any,
) -> bool:
    """Change a row of `table` only while its status is one of `expected` (and its version is
    `version`, when given), counting a new version; whether it changed. Two writers racing for
    the same change: one wins, the other learns it lost."""
    conditions = [table.c.id == record_id, table.c.status.in_(list(expected))]
    if version is not None:
        conditions.append(table.c.version == version)
    result = executor.execute(
        update(table).where(*conditions).values(**values, version=table.c.version + 1)
    )
    return int(cast(CursorResult[Any], result).rowcount) == 1


def move_recorded(
    executor: Connection | Session,
    *,
    table: Table,
    entity: str,
    record_id: int,
    expected: Iterable[Any],
    actor: Actor = SYSTEM,
    record: bool = True,
    **values: Any,
) -> bool:
    """`move`, and a change of status recorded in the audit chain as a `status` event of
    `entity` (a session's own actor wins over `actor`); `record=False` for changes that are
    not worth an event (progress reports)."""
    statuses = list(expected)
    moved = move(executor, table=table, record_id=record_id, expected=statuses, **values)
    if moved and record and "status" in values:
        plain = [getattr(status, "value", status) for status in statuses]
        before = plain[0] if len(plain) == 1 else plain
        change = Change("status", entity, str(record_id), {"status": before}, values)
        if isinstance(executor, Session):
            # in order with the session's other events, appended at its commit
            defer(session=executor, changes=[change])
        else:
            append(connection=executor, actor=actor, changes=[change])
    return moved
