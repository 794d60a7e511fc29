"""Column types shared by the tables."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Dialect, String, Text
from sqlalchemy.types import TypeDecorator, TypeEngine


class _JSONText(TypeDecorator[Any]):
    """JSON kept as TEXT, for SQLite: a column declared `JSON` there has NUMERIC affinity, which
    turns the text `3080.0` into the integer 3080 and so loses a float written as a whole
    number. TEXT affinity keeps the JSON text as it was written."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, _dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, allow_nan=False)

    def process_result_value(self, value: str | None, _dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def exact_json() -> TypeEngine[Any]:
    """A JSON column that gives back exactly the JSON it was given (ints stay ints, floats
    floats); NULL for None. JSON on PostgreSQL (text kept verbatim), TEXT on SQLite."""
    return JSON(none_as_null=True).with_variant(_JSONText(), "sqlite")


class EnumString(TypeDecorator[Any]):
    """A StrEnum kept as its value in a plain string column: the column stays what it was (no
    CHECK constraint, no migration), and reads give back the enum's members."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, _dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, _dialect: Dialect) -> Any:
        return None if value is None else self.enum(value)
