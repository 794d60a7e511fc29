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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ROOT = "$"

Segments = tuple[str | int, ...]

# Kinds of problem a reader may act on (`Problem.code`); others have no code.
UNKNOWN_REFERENCE = "unknown_reference"  # `refers_to` is the section the value should name
DUPLICATE = "duplicate"  # `first` is where the first of them is
MISSING = "missing"  # a required field left out

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, where it is and what is wrong.

    Two problems are equal when their path and message are; the structured fields say the
    same in data: `location` (None when only the path is known), `code`, `refers_to`, `first`.
    """

    path: str
    message: str
    location: Segments | None = field(default=None, compare=False)
    code: str | None = field(default=None, compare=False)
    refers_to: str | None = field(default=None, compare=False)
    first: Segments | None = field(default=None, compare=False)

    @classmethod
    def at(
        cls,
        location: Iterable[str | int],
        message: str,
        *,
        code: str | None = None,
        refers_to: str | None = None,
        first: Segments | None = None,
    ) -> Problem:
        """The problem at `location` (`("lines", 17, "item")`), its path written from it."""
        segments = tuple(location)
        return cls(format_path(segments), message, segments, code, refers_to, first)

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
