"""The declarative base of every ORM table, and the column habits the tables share.

Constraint names follow one convention, so migrations (and SQLite's batch mode, which rebuilds
tables) can name every constraint they change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from kuznia.models.types import exact_json

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Room for longer values added later without a column change.
ENUM_LENGTH = 32


class Base(DeclarativeBase):
    """Base of every table; its metadata is what Alembic compares the migrations with."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Versioned:
    """A row users edit: `version` counts its updates, and an update that read an older version
    fails (SQLAlchemy raises StaleDataError), so concurrent edits are never silently lost."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class FromInstance:
    """A row that holds a record of a `kuznia-instance/1` document.

    Columns always hold the effective value. `defaulted` lists the fields the source left out
    (so they took the format's default, e.g. `["unit"]`, `["eligible.regions"]`); exporting
    leaves them out again, so an instance goes through the database unchanged. A service that
    sets such a field should remove it from the list; export leaves a field out only while it
    still holds the default, so a stale entry can never hide a value. NULL: every field given.

    Numbers the format writes as int or float (quantities, money, shares, weights) are stored as
    floats with a `<field>_is_int` flag saying whether the source wrote an integer, so `380`
    comes back as `380` and `380.0` as `380.0`.
    """

    defaulted: Mapped[list[str] | None] = mapped_column(exact_json(), nullable=True, default=None)


def enum_type(enum: type[StrEnum], *, name: str) -> Enum:
    """A portable enum column: a string of one of `enum`'s values, checked by a named CHECK
    constraint (no native PostgreSQL enum, so adding a value is a plain migration)."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=ENUM_LENGTH,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (the default of every timestamp column)."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A timestamp read back from the database, with its zone: SQLite gives timestamps back
    without one, and they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
