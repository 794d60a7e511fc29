"""Problems of a workbook, each named by sheet, row and column, and the one exception that
carries them.

Exception tree:

    Exception
     └── WorkbookError   a workbook cannot be read or breaks the format; carries every problem
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.utils import column_index_from_string

from kuznia.io.workbook.layout import SHEET_ORDER


@dataclass(frozen=True)
class CellProblem:
    """One thing wrong with a workbook: at a cell (sheet, Excel row, column header and letter),
    at a whole sheet (no row), or at the workbook (no sheet)."""

    sheet: str | None
    row: int | None
    column: str | None
    letter: str | None
    message: str

    @property
    def cell(self) -> str | None:
        """The cell as Excel names it, `Lines!D7`; None for a problem with no cell."""
        if self.sheet is None or self.row is None or self.letter is None:
            return None
        return f"{quoted(self.sheet)}!{self.letter}{self.row}"

    @property
    def where(self) -> str:
        """Where the problem is, as people read it: `Lines!D7 (capacity)`, a sheet, or
        `workbook` for the workbook as a whole."""
        if self.sheet is None:
            return "workbook"
        where = self.cell or quoted(self.sheet)
        if self.column:
            where += f" ({self.column})"
        return where

    def __str__(self) -> str:
        if self.sheet is None:
            return self.message
        return f"{self.where}: {self.message}"


class WorkbookError(Exception):
    """Raised when a workbook cannot be read or does not hold a valid registry; `problems`
    lists every problem found, each with its sheet, row and column."""

    def __init__(self, problems: Sequence[CellProblem], *, source: str | None = None) -> None:
        self.problems: list[CellProblem] = list(problems)
        self.source = source
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.problems)
        where = f"{self.source}: " if self.source else ""
        noun = "problem" if count == 1 else "problems"
        lines = [f"{where}{count} {noun} in the workbook:"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)


def quoted(sheet: str) -> str:
    """A sheet's name as Excel writes it in a reference: quoted when it holds a space."""
    return f"'{sheet}'" if not re.fullmatch(r"[A-Za-z0-9_]+", sheet) else sheet


def in_workbook_order(problems: list[CellProblem]) -> list[CellProblem]:
    rank = {title: index for index, title in enumerate(SHEET_ORDER)}

    def position(problem: CellProblem) -> tuple[int, int, int]:
        sheet = -1 if problem.sheet is None else rank.get(problem.sheet, len(rank))
        column = column_index_from_string(problem.letter) if problem.letter else 0
        return (sheet, problem.row or 0, column)

    return sorted(problems, key=position)
