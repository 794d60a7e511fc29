"""Text a request or a file may hold: the safe character set of codes, the longest text of
each kind, and the characters no text may hold (see docs/security.md, "Hostile input").

- A **code** (an item's, producer's, line's, grouping's, fund's, expansion's or depot's id)
  is 1 to 64 letters, digits, '.', '_' and '-', starting with a letter or digit: it goes
  into contract numbers, OCDS ocids, file names and workbook cells unchanged, so nothing in it
  can be read as a formula, a path or markup.
- **One-line text** (names, regions, lots) holds no tab or line break; a **note** (notes,
  reasons) may hold tabs and line breaks.
- No text holds a control character (C0 other than tab, line feed and carriage return, DEL,
  C1) or a lone surrogate (JSON's `"\\ud800"`, which no UTF-8 text can carry).
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import AfterValidator, Field

CODE_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
CODE_LENGTH: Final = 64
NAME_LENGTH: Final = 200
LOT_LENGTH: Final = 100
NOTE_LENGTH: Final = 2000
LOCATION_LENGTH: Final = 500

_CODE = re.compile(CODE_PATTERN)
# C0 controls but tab, line feed and carriage return; DEL; C1 controls; the surrogate block.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\n\r\x0b\x0c\u2028\u2029\x85]")


def code_problem(value: str) -> str | None:
    """Why `value` is not a code, or None when it is one."""
    if _CODE.fullmatch(value):
        return None
    return (
        f"{_shown(value)} is not a code: use 1 to {CODE_LENGTH} letters, digits, '.', '_' "
        "and '-', starting with a letter or a digit"
    )


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text (a control character, a lone surrogate), or None."""
    found = _FORBIDDEN.search(value)
    if found is None:
        return None
    char = found.group()
    kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    return f"{kind} (U+{ord(char):04X}) at position {found.start()} is not allowed in text"


def _shown(value: str, limit: int = 80) -> str:
    """`value` quoted for a message, escaped and cut, so the message itself stays plain."""
    shown = value if len(value) <= limit else value[:limit] + "…"
    return '"' + shown.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


class TextRefused(ValueError):
    """Raised by the validators below: the message, and the kind of problem with the values
    it names (`not_a_code` {value}, `control_character` {position}, `line_break`), which
    pydantic keeps in its error's context for readers that word it themselves."""

    def __init__(self, message: str, *, code: str, params: dict[str, str | int]) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def _code(value: str) -> str:
    problem = code_problem(value)
    if problem is not None:
        raise TextRefused(problem, code="not_a_code", params={"value": value})
    return value


def _refuse_text(value: str) -> None:
    found = _FORBIDDEN.search(value)
    problem = text_problem(value)
    if found is not None and problem is not None:
        raise TextRefused(problem, code="control_character", params={"position": found.start()})


def _one_line(value: str) -> str:
    _refuse_text(value)
    if _LINE_BREAKS.search(value):
        raise TextRefused(
            "a tab or a line break is not allowed in a one-line text", code="line_break", params={}
        )
    return value


def _note(value: str) -> str:
    _refuse_text(value)
    return value


Code = Annotated[str, Field(min_length=1, max_length=CODE_LENGTH), AfterValidator(_code)]
"""A code: letters, digits, '.', '_' and '-' (CODE_PATTERN)."""
Name = Annotated[str, Field(max_length=NAME_LENGTH), AfterValidator(_one_line)]
"""A name, a region, a category: one line, at most NAME_LENGTH characters."""
Lot = Annotated[str, Field(max_length=LOT_LENGTH), AfterValidator(_one_line)]
"""A lot or batch number as printed on the goods: one line."""
Location = Annotated[str, Field(max_length=LOCATION_LENGTH), AfterValidator(_one_line)]
"""A depot's location: one line."""
Note = Annotated[str, Field(max_length=NOTE_LENGTH), AfterValidator(_note)]
"""A note or a reason: tabs and line breaks allowed."""
