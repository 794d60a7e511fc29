"""Reading one cell: its value for the instance, or what is wrong with it in words a person
filling in the workbook understands."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable
from typing import Final

from kuznia.io.workbook.layout import BY_MONTH, Column, Kind

_NUMERIC_TEXT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def says_by_month(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() == BY_MONTH


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def listing(values: Iterable[object]) -> str:
    return ", ".join(json.dumps(value, ensure_ascii=False) for value in values)


# --- Cells --------------------------------------------------------------------------------------

# A cell's value for the instance and None, or None and what is wrong with the cell.
_Converted = tuple[object, str | None]


def render(value: object) -> str:
    """A cell's value as a message shows it."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return f"the date {value.date().isoformat()}"
        return f"the date and time {value.isoformat(sep=' ')}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, dt.time):
        return f"the time {value.isoformat()}"
    if isinstance(value, dt.timedelta):
        return f"the duration {value}"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:56] + '..."'
    return str(value)


def _not_a(described: str, value: object) -> str:
    hint = ""
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        hint = " (Excel took what was typed for a date: format the cell as Number and type again)"
    return f"must be {described}, got {render(value)}{hint}"


def _number_of(value: object) -> int | float | None:
    """The number a cell holds (a number typed as text counts), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMERIC_TEXT.fullmatch(value.strip()):
        text = value.strip()
        return float(text) if any(mark in text for mark in ".eE") else int(text)
    return None


def _read_number(value: object, column: Column) -> _Converted:
    share = column.kind is Kind.SHARE
    described = "a number > 0 and <= 1" if share else "a number >= 0"
    number = _number_of(value)
    if number is None or not math.isfinite(number):
        return None, _not_a(described, value)
    if (share and not 0 < number <= 1) or number < 0:
        return None, _not_a(described, number)
    return number, None


def _read_whole(value: object, column: Column) -> _Converted:
    least = 1 if column.kind is Kind.POSITIVE_WHOLE else 0
    described = f"a whole number >= {least}"
    number = _number_of(value)
    if number is None or not math.isfinite(number) or number != int(number):
        return None, _not_a(described, value)
    if number < least:
        return None, _not_a(described, number)
    return int(number), None


def _read_text(value: object) -> _Converted:
    if isinstance(value, str):
        return value, None
    number = _number_of(value)
    if number is not None and math.isfinite(number):
        # Typed as a number (a region called 7): the text that was typed.
        return (str(int(number)) if number == int(number) else repr(number)), None
    return None, _not_a("text", value)


def _read_choice(value: object, column: Column) -> _Converted:
    if isinstance(value, str) and value.strip().lower() in column.choices:
        return value.strip().lower(), None
    return None, _not_a(f"one of {listing(column.choices)}", value)


_ANSWERS: Final = {"yes": True, "no": False, "true": True, "false": False}


def _read_yes_no(value: object) -> _Converted:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, str) and value.strip().lower() in _ANSWERS:
        return _ANSWERS[value.strip().lower()], None
    return None, _not_a('"yes" or "no"', value)


def _read_names(value: object, column: Column) -> _Converted:
    text, _ = _read_text(value)
    if not isinstance(text, str):
        return None, _not_a("a comma-separated list", value)
    names = [name.strip() for name in text.split(",") if name.strip()]
    if column.choices:
        wrong = [name for name in names if name.lower() not in column.choices]
        if wrong:
            return None, f"must list values among {listing(column.choices)}, got {listing(wrong)}"
        names = [name.lower() for name in names]
    return names, None


def _read_year(value: object) -> _Converted:
    if isinstance(value, str):
        return value.strip(), None  # a year that is not 4 digits is reported by the instance
    number = _number_of(value)
    if number is None or not math.isfinite(number) or number != int(number):
        return None, _not_a("a year such as 2026", value)
    return str(int(number)), None


def _read_month(value: object) -> _Converted:
    if isinstance(value, str):
        return value.strip(), None  # not YYYY-MM: reported by the instance
    # Excel turns 2026-01 typed into a cell formatted General into the date 2026-01-01.
    midnight = not isinstance(value, dt.datetime) or value.time() == dt.time(0)
    if isinstance(value, dt.date) and value.day == 1 and midnight:
        return f"{value.year:04d}-{value.month:02d}", None
    return None, f"must be a month written YYYY-MM, got {render(value)}"


def _read_country(value: object) -> _Converted:
    if isinstance(value, str) and len(value.strip()) == 2 and value.strip().isascii():
        code = value.strip().upper()
        if code.isalpha():
            return code, None
    return None, _not_a("a country's two letters such as PL", value)


# Readers by the column's kind: some read the value alone, the others also its column's bounds or
# choices.
_BY_VALUE: Final[dict[Kind, Callable[[object], _Converted]]] = {
    Kind.TEXT: _read_text,
    Kind.YES_NO: _read_yes_no,
    Kind.YEAR: _read_year,
    Kind.MONTH: _read_month,
    Kind.COUNTRY: _read_country,
}
_BY_COLUMN: Final[dict[Kind, Callable[[object, Column], _Converted]]] = {
    Kind.NUMBER: _read_number,
    Kind.SHARE: _read_number,
    Kind.WHOLE: _read_whole,
    Kind.POSITIVE_WHOLE: _read_whole,
    Kind.CHOICE: _read_choice,
    Kind.NAMES: _read_names,
}


def cell_params(value: object, column: Column) -> dict[str, str | int]:
    """What a refusal of `value` by `column` names, in data (`CELL_VALUE`): the column's kind,
    the value as typed, and the least whole number or the choices where the kind has them."""
    if isinstance(value, bool):
        got = "TRUE" if value else "FALSE"
    elif isinstance(value, dt.datetime | dt.date | dt.time):
        got = value.isoformat()
    else:
        got = str(value) if len(str(value)) <= 60 else str(value)[:56] + "..."
    params: dict[str, str | int] = {"kind": column.kind.name.lower(), "got": got}
    if column.kind in (Kind.WHOLE, Kind.POSITIVE_WHOLE):
        params["least"] = 1 if column.kind is Kind.POSITIVE_WHOLE else 0
    if column.choices:
        params["choices"] = ", ".join(column.choices)
    return params


def convert(value: object, column: Column) -> _Converted:
    """A cell's value read as its column's kind, or None and the message saying why not."""
    if column.kind in _BY_VALUE:
        return _BY_VALUE[column.kind](value)
    return _BY_COLUMN[column.kind](value, column)
