"""Status changes that cannot overwrite each other: one conditional UPDATE."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Table, update
from sqlalchemy.orm import Session


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
