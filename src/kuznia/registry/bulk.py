"""Registry tables in bulk: insert rows one statement per table (COPY on PostgreSQL), read
them back in the order they went in, and map codes to keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert, select
from sqlalchemy.orm import Session

from kuznia import models

Row = dict[str, Any]


def table_of(model: type[Any]) -> Table:
    """The table of an ORM model."""
    table: Table = model.__table__
    return table


# Registry tables, parents before children (inserted in this order, deleted in reverse).
REGISTRY_TABLES: tuple[Table, ...] = tuple(
    table_of(model)
    for model in (
        models.PlanningSettings,
        models.Item,
        models.Producer,
        models.JointVenturePartner,
        models.Line,
        models.Expansion,
        models.Grouping,
        models.Need,
        models.Fund,
        models.FundBudget,
        models.FundEligibility,
        models.ForeignSupply,
        models.Stock,
        models.Commitment,
        models.ExportOrder,
    )
)


def insert_rows(session: Session, model: type[Any], rows: list[Row]) -> None:
    """Insert `rows` into `model`'s table: COPY on PostgreSQL (psycopg), where an executemany
    costs a round trip per row; one executemany elsewhere."""
    if not rows:
        return
    table = table_of(model)
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        _copy(connection, table, rows)
    else:
        connection.execute(insert(table), rows)


def _copy(connection: Connection, table: Table, rows: list[Row]) -> None:
    """COPY `rows` (all with the same keys) into `table`, in the connection's transaction.

    COPY bypasses SQLAlchemy's types, so values go in as the database reads them: enums as
    their values, JSON as its text (the JSON type keeps that text verbatim).
    """
    names = list(rows[0])
    json_columns = [isinstance(table.c[name].type, JSON) for name in names]
    preparer = connection.dialect.identifier_preparer
    statement = (
        f"COPY {preparer.format_table(table)} "
        f"({', '.join(preparer.quote(name) for name in names)}) FROM STDIN"
    )
    driver_connection = connection.connection.driver_connection
    if driver_connection is None:
        raise RuntimeError("COPY needs an open psycopg connection; this one is closed")
    with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [
                    _copy_value(row[name], is_json)
                    for name, is_json in zip(names, json_columns, strict=True)
                ]
            )


def _copy_value(value: Any, is_json: bool) -> Any:
    if is_json:
        return None if value is None else json.dumps(value, allow_nan=False)
    if isinstance(value, Enum):
        return value.value
    return value


def ids(session: Session, model: type[Any]) -> dict[str, int]:
    """Key of every row of `model` by its code (the instance id)."""
    table = table_of(model)
    return {code: key for code, key in session.execute(select(table.c.code, table.c.id))}


def codes(session: Session, model: type[Any]) -> dict[int, str]:
    """Code (the instance id) of every row of `model` by its key."""
    table = table_of(model)
    return {key: code for key, code in session.execute(select(table.c.id, table.c.code))}


def rows_in_order(session: Session, model: type[Any]) -> Iterator[Any]:
    """Every row of `model`'s table as a named tuple, in the order they were inserted."""
    table = table_of(model)
    return iter(session.execute(select(table).order_by(table.c.id)).all())
