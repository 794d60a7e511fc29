"""Calendar months as the format writes them, `YYYY-MM`: the one place their arithmetic lives."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from typing import Final

# A month as the format writes it (the instance's `start`, a contract's delivery month).
START_PATTERN: Final = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_MONTH = re.compile(START_PATTERN)


def is_month(text: str) -> bool:
    """Whether `text` is a month written YYYY-MM."""
    return _MONTH.match(text) is not None


def add_months(month: str, count: int) -> str:
    """The month (YYYY-MM) `count` months after `month` (before it, for a negative count)."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(start: str, month: str) -> int:
    """How many months `month` lies after `start` (negative when before it)."""
    return (int(month[:4]) - int(start[:4])) * 12 + int(month[5:7]) - int(start[5:7])


def year_of(month: str) -> int:
    """The year of a month written YYYY-MM (or of a day YYYY-MM-DD)."""
    return int(month[:4])


def month_of(day: date | datetime) -> str:
    """The month (YYYY-MM) a day or moment falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def month_index(month: str, *, start: str, months: int) -> int | None:
    """The index of `month` within the `months` months from `start`, or None outside them."""
    if not is_month(month):
        return None
    index = months_between(start, month)
    return index if 0 <= index < months else None


def month_number(month: str) -> int:
    """The calendar month (1..12) of a month written YYYY-MM."""
    return int(month[5:7])


def first_day(month: str) -> date:
    """The first day of a month written YYYY-MM."""
    return date(year_of(month), month_number(month), 1)


def last_day(month: str) -> date:
    """The last day of a month written YYYY-MM."""
    year, number = year_of(month), month_number(month)
    return date(year, number, calendar.monthrange(year, number)[1])
