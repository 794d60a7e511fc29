"""Many rows into one table in the connection's transaction: PostgreSQL's COPY through psycopg
(one stream; an INSERT sent with many parameter sets is executed once per row), otherwise one
INSERT with the rows as its parameter sets (SQLite, other drivers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.exc import DBAPIError


def can_copy(connection: Connection) -> bool:
    """Whether `copy_rows` streams by COPY on this connection."""
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


def copy_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (each with the same columns of `table`) into it. A constraint the rows
    break raises SQLAlchemy's error as the INSERT would (by COPY it leaves the transaction to
    roll back)."""
    if not rows:
        return
    if not can_copy(connection):
        connection.execute(insert(table), [dict(row) for row in rows])
        return
    names = list(rows[0])
    quote = connection.dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN"
    driver_error = connection.dialect.loaded_dbapi.Error
    cursor: Any = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])
    except driver_error as error:
        # as SQLAlchemy's own statements raise it (IntegrityError, DataError, OperationalError),
        # so callers and the application's handlers treat it alike
        raise DBAPIError.instance(statement, None, error, driver_error) from error
    finally:
        cursor.close()
