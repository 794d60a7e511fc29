"""Numbers and left-out fields kept exact between an instance document and the database: a
number is stored as a float with a flag saying whether the source wrote an integer, and a
row lists the fields its source left out (`defaulted`), so export leaves them out again."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any

from pydantic import BaseModel

# Doubles hold every integer up to 2**53 exactly; larger ones would come back changed.
LARGEST_EXACT_INT = 2**53
# A whole-number column (a lead time, a month, a priority) holds at most this on PostgreSQL.
LARGEST_STORED_WHOLE = 2**31 - 1


@cache
def whole_number_fields(model: Any) -> frozenset[str]:
    """The fields of a registry table stored in a 32-bit integer column (not its keys)."""
    from sqlalchemy import BigInteger, Integer

    return frozenset(
        column.name
        for column in model.__table__.columns
        if isinstance(column.type, Integer)
        and not isinstance(column.type, BigInteger)
        and not column.primary_key
        and not column.foreign_keys
    )


def beyond_whole_columns(model: Any, record: Mapping[str, Any]) -> Iterator[tuple[str, int]]:
    """The fields of `record` that `model` keeps in a 32-bit integer column and that hold an
    integer beyond it (SQLite would keep it, PostgreSQL refuse the whole write); one beyond
    2**53 is left to the exactness check, which names it already."""
    for name in sorted(whole_number_fields(model)):
        value = record.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            continue
        if LARGEST_STORED_WHOLE < abs(value) <= LARGEST_EXACT_INT:
            yield name, value


def beyond_whole_message(value: int) -> str:
    return f"integer {value} is above {LARGEST_STORED_WHOLE:,}, the largest whole number stored"


def integers(
    value: object, path: tuple[str | int, ...]
) -> Iterator[tuple[Sequence[str | int], int]]:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from integers(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from integers(child, (*path, index))


def stored_number(value: int | float) -> tuple[float, bool]:
    """A number of the format as a stored float and whether the source wrote an integer."""
    return float(value), type(value) is int


def defaulted_fields(record: BaseModel, nested: Sequence[str] = ()) -> list[str] | None:
    """The fields `record` left out (they hold the format's default), and those left out of
    the given nested records (`eligible.regions`); None when every field was given."""
    given = record.model_fields_set
    fields = type(record).model_fields
    if len(given) == len(fields) and not nested:
        return None
    missing = [name for name in fields if name not in given]
    for name in nested:
        if name in given:
            child: BaseModel = getattr(record, name)
            missing.extend(
                f"{name}.{child_field}"
                for child_field in type(child).model_fields
                if child_field not in child.model_fields_set
            )
    return missing or None


def given_number(stored: float, is_int: bool) -> int | float:
    """A stored number as the source wrote it; a flag left stale by an edit to a fraction
    cannot cut the fraction off."""
    return int(stored) if is_int and stored.is_integer() else stored


@cache
def _default(model: type[BaseModel], name: str) -> Any:
    """The JSON value of the format's default for field `name` of `model`."""
    default = model.model_fields[name].get_default(call_default_factory=True)
    return default.model_dump(mode="json") if isinstance(default, BaseModel) else default


def without_defaults(
    record: dict[str, Any],
    model: type[BaseModel],
    defaulted: Sequence[str] | None,
    nested: Mapping[str, type[BaseModel]] | None = None,
) -> dict[str, Any]:
    """`record` without the fields its source left out that still hold their default."""
    for name in defaulted or ():
        head, _, rest = name.partition(".")
        if rest:
            child = record.get(head)
            if nested is not None and head in nested and isinstance(child, dict):
                _drop_default(child, nested[head], rest)
        else:
            _drop_default(record, model, head)
    return record


def _drop_default(record: dict[str, Any], model: type[BaseModel], name: str) -> None:
    if name in record and name in model.model_fields and record[name] == _default(model, name):
        del record[name]
