"""Problems found in a `kuznia-instance/1` document, and the one exception that carries them.

Exception tree:

    Exception
     └── InstanceError   a document is unreadable or breaks the format; carries every problem

A problem is located by a JSON path: `lines[17].item`, `funds[2].budget.2026`, `$` for the
document as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ROOT = "$"

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, where it is and what is wrong."""

    path: str
    message: str

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
