"""Problems of a workbook, each named by sheet, row and column, and the one exception that
carries them.

Exception tree:

    Exception
     └── WorkbookError   a workbook cannot be read or breaks the format; carries every problem
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import column_index_from_string

from kuznia.io.workbook.layout import SHEET_ORDER

# Kinds of a workbook's own problems (`CellProblem.code`) and the values each names; the
# instance's problems placed on cells keep their own (kuznia.instance.errors).
EMPTY_CELL = "empty_cell"  # a required cell left empty
CELL_VALUE = "cell_value"  # a value its column cannot read: kind (the column's Kind's name),
# got (the value as typed), least (whole numbers), choices
UNREADABLE_WORKBOOK = "unreadable_workbook"  # not an .xlsx that can be read
WORKBOOK_TOO_LARGE = "workbook_too_large"
DAMAGED_WORKBOOK = "damaged_workbook"
SHEET_MISSING = "sheet_missing"
CHART_SHEET = "chart_sheet"
NO_COLUMN_NAMES = "no_column_names"  # columns
UNNAMED_COLUMN = "unnamed_column"  # letter
COLUMN_TWICE = "column_twice"  # first (the first column's letter)
UNKNOWN_COLUMN = "unknown_column"  # columns
COLUMN_MISSING = "column_missing"  # column
EXCEL_ERROR = "excel_error"  # value (#DIV/0!, ...)
FORMULA_WITHOUT_VALUE = "formula_without_value"
SETTING_WITHOUT_NAME = "setting_without_name"
UNKNOWN_SETTING = "unknown_setting"  # value, settings
SETTING_TWICE = "setting_twice"  # setting, row
SETTING_REQUIRED = "setting_required"  # setting
BUDGET_TWICE = "budget_twice"  # fund, year, row
MONTH_VALUE_MISSING = "month_value_missing"
LINE_TWICE = "line_twice"  # line, row
MONTH_NOT_IN_PLAN = "month_not_in_plan"  # month, first, last
MONTH_COLUMNS_MISSING = "month_columns_missing"  # months, first, last
GIVEN_TWICE_BY_MONTH = "given_twice_by_month"  # sheet, row, by_month
BY_MONTH_WITHOUT_ROW = "by_month_without_row"  # sheet, by_month
NUMBER_OR_BY_MONTH_ROW = "number_or_by_month_row"  # sheet, by_month


@dataclass(frozen=True)
class CellProblem:
    """One thing wrong with a workbook: at a cell (sheet, Excel row, column header and letter),
    at a whole sheet (no row), or at the workbook (no sheet)."""

    sheet: str | None
    row: int | None
    column: str | None
    letter: str | None
    message: str
    # What `message` says, in data, for a reader that words it itself (the web, in the
    # page's language): one of CODES, and the values it names.
    code: str = field(default="", compare=False)
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

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
