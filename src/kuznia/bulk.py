"""Many rows into one table in the connection's transaction: PostgreSQL's COPY through psycopg
(one stream; an INSERT sent with many parameter sets is executed once per row), otherwise one
INSERT with the rows as its parameter sets (SQLite, other drivers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert


def can_copy(connection: Connection) -> bool:
    """Whether `copy_rows` streams by COPY on this connection."""
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


def copy_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (each with the same columns of `table`) into it. A constraint the rows
    break raises as the INSERT would (by COPY it leaves the transaction to roll back)."""
    if not rows:
        return
    if not can_copy(connection):
        connection.execute(insert(table), [dict(row) for row in rows])
        return
    names = list(rows[0])
    quote = connection.dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    cursor: Any = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])
    finally:
        cursor.close()
