"""Problems found in a `kuznia-instance/1` document, and the one exception that carries them.

Exception tree:

    Exception
     └── InstanceError   a document is unreadable or breaks the format; carries every problem

A problem is located by a JSON path: `lines[17].item`, `funds[2].budget.2026`, `$` for the
document as a whole. Problems found by the reader carry the same place as data too
(`location`: `("lines", 17, "item")`), with a `code` saying what kind of problem it is and, for
a reference or a duplicate, the section named or the first record: a reader that shows the
problem elsewhere (the registry workbook, on its cells) reads those, not the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ROOT = "$"

Segments = tuple[str | int, ...]

# Kinds of problem a reader may act on (`Problem.code`), each with the values its message
# names (`Problem.params`), so a reader can say it in other words (the web, in Ukrainian).
UNKNOWN_REFERENCE = "unknown_reference"  # `refers_to` is the section the value should name;
# params: noun (item, line, producer, grouping, category, region), value
DUPLICATE = "duplicate"  # `first` is where the first of them is; params: noun, value
MISSING = "missing"  # a required field left out
UNKNOWN_FIELD = "unknown_field"  # params: name
TOO_LONG = "too_long"  # params: limit, length (characters)
WRONG_TYPE = "wrong_type"  # a value of another type or out of its range; params: expected
NOT_A_CODE = "not_a_code"  # params: value
CONTROL_CHARACTER = "control_character"  # a control character or lone surrogate; params: position
LINE_BREAK = "line_break"  # a tab or line break in one-line text
OUTSIDE_HORIZON = "outside_horizon"  # params: month, last (the horizon's last month)
PER_MONTH_COUNT = "per_month_count"  # params: count, expected
ABOVE_BOUND = "above_bound"  # params: value, bound
NOT_A_YEAR = "not_a_year"  # params: value
PARTNERS_NEED_JOINT_VENTURE = "partners_need_joint_venture"  # params: ownership
PARTNER_SHARES_ABOVE_ONE = "partner_shares_above_one"  # params: total
MONTH_AND_WINDOW = "month_and_window"  # a commitment with a month and a window
NO_MONTH_OR_WINDOW = "no_month_or_window"  # a commitment with neither
HALF_A_WINDOW = "half_a_window"  # params: missing (from or to)
WINDOW_REVERSED = "window_reversed"  # params: first, last
TOO_LARGE_INTEGER = "too_large_integer"  # beyond 2**53; params: value
BEYOND_WHOLE = "beyond_whole"  # above the largest whole number a column stores; params: value

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, where it is and what is wrong.

    Two problems are equal when their path and message are; the structured fields say the
    same in data: `location` (None when only the path is known), `code`, `refers_to`, `first`
    and `params` (the values the message names, by the names listed with the codes above).
    """

    path: str
    message: str
    location: Segments | None = field(default=None, compare=False)
    code: str | None = field(default=None, compare=False)
    refers_to: str | None = field(default=None, compare=False)
    first: Segments | None = field(default=None, compare=False)
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def at(
        cls,
        location: Iterable[str | int],
        message: str,
        *,
        code: str | None = None,
        refers_to: str | None = None,
        first: Segments | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Problem:
        """The problem at `location` (`("lines", 17, "item")`), its path written from it."""
        segments = tuple(location)
        return cls(
            format_path(segments), message, segments, code, refers_to, first, dict(params or {})
        )

    def naming_first(self, where: str) -> str:
        """The message with the first record of a duplicate named `where` (`in Lines!A2`)
        instead of `at <its JSON path>`."""
        if self.first is None:
            return self.message
        return self.message.replace(f"first at {format_path(self.first)}", f"first {where}")

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class InstanceError(Exception):
    """Raised when a document cannot be read or is not a valid `kuznia-instance/1`.

    `problems` lists every problem found, not only the first one.
    """

    def __init__(self, problems: Sequence[Problem], *, source: str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        self.source = source
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.problems)
        where = f"{self.source}: " if self.source else ""
        noun = "problem" if count == 1 else "problems"
        lines = [f"{where}{count} {noun} in the instance:"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)


def format_path(segments: Iterable[str | int]) -> str:
    """The JSON path of `segments`: `("lines", 17, "item")` -> `lines[17].item`; `()` -> `$`."""
    path = ""
    for segment in segments:
        if isinstance(segment, int):
            path += f"[{segment}]"
        elif _PLAIN_KEY.fullmatch(segment):
            path += f".{segment}" if path else segment
        else:
            # Keys with spaces, dots or quotes would make the path ambiguous.
            escaped = segment.replace("\\", "\\\\").replace('"', '\\"')
            path += f'["{escaped}"]'
    return path or ROOT
