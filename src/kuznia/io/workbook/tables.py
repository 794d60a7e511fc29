"""Reading a workbook's sheets into tables: header rows, the rows that hold anything, each
cell's value (formulas by their computed values), with a problem for every sheet, header or
cell that cannot be read.

`open_workbook` is the one place a workbook file is opened for reading.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from openpyxl import load_workbook
from openpyxl.cell.read_only import EmptyCell, ReadOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from kuznia.io.safety import WorkbookTooLarge, check_workbook
from kuznia.io.workbook.cells import blank, listing
from kuznia.io.workbook.layout import (
    BY_MONTH_FIELDS,
    MONTH_LABEL,
    NOTES,
    OPTIONAL_SHEETS,
    RECORD_SHEETS,
    SETTING_COLUMNS,
    SETTINGS,
    SHEET_ORDER,
)
from kuznia.io.workbook.problems import (
    CHART_SHEET,
    COLUMN_MISSING,
    COLUMN_TWICE,
    DAMAGED_WORKBOOK,
    EXCEL_ERROR,
    FORMULA_WITHOUT_VALUE,
    NO_COLUMN_NAMES,
    SHEET_MISSING,
    UNKNOWN_COLUMN,
    UNNAMED_COLUMN,
    UNREADABLE_WORKBOOK,
    WORKBOOK_TOO_LARGE,
    CellProblem,
    WorkbookError,
)


class _Absent:
    """Marks a cell that gives the instance no value: blank, or bad and already reported."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


@dataclass(frozen=True)
class Where:
    """Where a value came from: a cell, or a whole sheet when `row` is None."""

    sheet: str
    row: int | None
    column: str | None
    letter: str | None

    def problem(
        self, message: str, code: str = "", params: Mapping[str, Any] | None = None
    ) -> CellProblem:
        return CellProblem(
            self.sheet, self.row, self.column, self.letter, message, code, dict(params or {})
        )


# Stands for values whose absence was reported already (a missing column, bad month cells):
# the instance's own "required field is missing" would only repeat it.
COVERED: Final = Where("", None, None, None)


@dataclass
class Table:
    """A sheet as read: the position of each known column, and the rows that hold anything."""

    title: str
    columns: dict[str, int] = field(default_factory=dict)  # header -> 0-based position
    rows: list[tuple[int, list[object]]] = field(default_factory=list)  # Excel row, values

    def value(self, values: list[object], header: str) -> object:
        position = self.columns.get(header)
        if position is None or position >= len(values):
            return None
        return values[position]

    def where(self, row: int, header: str) -> Where:
        position = self.columns.get(header)
        letter = None if position is None else get_column_letter(position + 1)
        return Where(self.title, row, header, letter)

    def header_at(self, position: int) -> str | None:
        return next((name for name, at in self.columns.items() if at == position), None)


def open_workbook(path: str | os.PathLike[str], *, data_only: bool, source: str) -> Any:
    """The workbook at `path` opened read-only; WorkbookError if it is not one."""
    try:
        check_workbook(path)
        return load_workbook(path, read_only=True, data_only=data_only)
    except WorkbookTooLarge as error:
        message, code = str(error), WORKBOOK_TOO_LARGE
    except FileNotFoundError:
        message, code = "no such file", UNREADABLE_WORKBOOK
    except IsADirectoryError:
        message, code = "a directory, not a workbook", UNREADABLE_WORKBOOK
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        message = f"not an Excel workbook (.xlsx) that can be read: {_first_line(error)}"
        code = UNREADABLE_WORKBOOK
    raise WorkbookError([CellProblem(None, None, None, None, message, code)], source=source)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# Raised by openpyxl on a workbook whose parts are broken (bad XML, bad numbers, missing parts).
_BROKEN_WORKBOOK = (ValueError, KeyError, TypeError, SyntaxError, zipfile.BadZipFile, OSError)


_CELL_VALUES = (str, int, float, dt.datetime, dt.date, dt.time, dt.timedelta)


@dataclass
class SheetReader:
    """Reads a workbook's sheets into tables, collecting every problem."""

    problems: list[CellProblem] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)
    # (sheet, row, column number) of formula cells, read again for their computed values
    formulas: set[tuple[str, int, int]] = field(default_factory=set)
    # Sheets missing, or missing their header row or a column: references into them are not
    # reported as unknown (every line's item would be unknown when Items is missing).
    incomplete: set[str] = field(default_factory=set)

    def read(self, path: str | os.PathLike[str], *, source: str) -> None:
        """Read every sheet of the workbook at `path` into `tables`."""
        book = open_workbook(path, data_only=False, source=source)
        try:
            self._read_tables(book)
            if self.formulas:
                computed = open_workbook(path, data_only=True, source=source)
                try:
                    self._resolve_formulas(computed)
                finally:
                    computed.close()
        except _BROKEN_WORKBOOK as error:
            message = f"the workbook cannot be read, it is damaged: {_first_line(error)}"
            raise WorkbookError(
                [CellProblem(None, None, None, None, message, DAMAGED_WORKBOOK)], source=source
            ) from None
        finally:
            book.close()

    def _read_tables(self, book: Any) -> None:
        expected = [title for title in SHEET_ORDER if title != NOTES]
        others = [title for title in book.sheetnames if title not in SHEET_ORDER]
        for title in expected:
            if title not in book.sheetnames and title in OPTIONAL_SHEETS:
                continue
            if title not in book.sheetnames:
                hint = f" (the workbook has {listing(others)})" if others else ""
                self._sheet_problem(title, f"sheet is missing{hint}", SHEET_MISSING)
                self.incomplete.add(title)
                continue
            sheet = book[title]
            if not isinstance(sheet, ReadOnlyWorksheet):
                self._sheet_problem(title, "is a chart, not a sheet of cells", CHART_SHEET)
                self.incomplete.add(title)
                continue
            sheet.reset_dimensions()  # trust the cells, not the size the file declares
            self.tables[title] = self._table(title, sheet)

    def _table(self, title: str, sheet: ReadOnlyWorksheet) -> Table:
        rows = sheet.iter_rows()
        headers = [_header_text(cell.value) for cell in next(rows, ())]
        table = Table(title)
        expected = _expected_headers(title)
        by_month = title in BY_MONTH_FIELDS

        def known(header: str | None) -> bool:
            return header in expected or bool(by_month and MONTH_LABEL.fullmatch(header or ""))

        if not any(known(header) for header in headers):
            self._sheet_problem(
                title,
                f"row 1 must hold the column names: {listing(expected)}",
                NO_COLUMN_NAMES,
                {"columns": ", ".join(expected)},
            )
            self.incomplete.add(title)
            return table
        self._columns(table, headers, expected, known)
        reported_columns: set[int] = set()
        known_positions = list(table.columns.values())
        for row, cells in enumerate(rows, start=2):
            values = self._row_values(title, row, cells, headers)
            for position, value in enumerate(values):
                unheaded = _at(headers, position) is None and not blank(value)
                if unheaded and position not in reported_columns:
                    reported_columns.add(position)
                    letter = get_column_letter(position + 1)
                    self.problems.append(
                        Where(title, row, None, letter).problem(
                            f"a value in column {letter}, which has no name in row 1",
                            UNNAMED_COLUMN,
                            {"letter": letter},
                        )
                    )
            # A row is a record when a known column holds something; values only in other
            # columns are reported above, and fully empty rows are skipped.
            if any(not blank(values[at]) for at in known_positions if at < len(values)):
                table.rows.append((row, values))
        return table

    def _columns(
        self,
        table: Table,
        headers: list[str | None],
        expected: list[str],
        known: Callable[[str | None], bool],
    ) -> None:
        """Row 1's known columns into the table; twice-given, unknown and missing ones reported."""
        title = table.title
        for position, header in enumerate(headers):
            if header is None:
                continue
            where = Where(title, 1, header, get_column_letter(position + 1))
            if header in table.columns:
                first = get_column_letter(table.columns[header] + 1)
                self.problems.append(
                    where.problem(
                        f"column given twice, first in {first}1", COLUMN_TWICE, {"first": first}
                    )
                )
            elif known(header):
                table.columns[header] = position
            else:
                self.problems.append(
                    where.problem(
                        f"unknown column; the columns of {title} are {listing(expected)}",
                        UNKNOWN_COLUMN,
                        {"columns": ", ".join(expected)},
                    )
                )
        for header in expected:
            if header not in table.columns and header not in _absent_allowed(title):
                self._sheet_problem(
                    title,
                    f'column "{header}" is missing from row 1',
                    COLUMN_MISSING,
                    {"column": header},
                )
                self.incomplete.add(title)

    def _row_values(
        self, title: str, row: int, cells: Any, headers: list[str | None]
    ) -> list[object]:
        """The values of one row's cells, the uncommon cells read through `_value`."""
        values: list[object] = []
        for cell in cells:
            value = cell.value
            if value is None:
                values.append(None)
                continue
            # The common cells take the short way: text, and numbers in General cells.
            kind = type(value)
            if cell.data_type not in "sn" or (
                kind is not str and not (kind is float or kind is int)
            ):
                value = self._value(title, row, cell, _at(headers, cell.column - 1))
            elif kind is int and cell.style_array.numFmtId != 0 and "." in cell.number_format:
                value = float(value)  # a decimal number written without decimals
            values.append(value)
        return values

    def _value(
        self, title: str, row: int, cell: ReadOnlyCell | EmptyCell, header: str | None
    ) -> object:
        """The cell's value: an int as a float where the cell's format shows decimals; ABSENT
        for an Excel error (reported) or a formula (resolved from its computed value later)."""
        value = cell.value
        if value is None:
            return None
        if cell.data_type == "f" or not isinstance(value, _CELL_VALUES):
            self.formulas.add((title, row, cell.column))
            return ABSENT
        if cell.data_type == "e":
            letter = get_column_letter(cell.column)
            self.problems.append(
                Where(title, row, header, letter).problem(
                    f"holds the Excel error {value}", EXCEL_ERROR, {"value": str(value)}
                )
            )
            return ABSENT
        if type(value) is int and "." in cell.number_format:
            return float(value)
        return value

    def _resolve_formulas(self, computed: Any) -> None:
        """Put each formula's computed value in place of the formula, or report its cell."""
        for title in sorted({title for title, _, _ in self.formulas}):
            table = self.tables.get(title)
            if table is None:
                continue
            values_of = dict(table.rows)
            sheet = computed[title]
            sheet.reset_dimensions()
            for row, cells in enumerate(sheet.iter_rows(), start=1):
                if row not in values_of:
                    continue  # the header row: its formulas are reported as unknown columns
                for cell in cells:
                    if (title, row, getattr(cell, "column", 0)) not in self.formulas:
                        continue
                    header = table.header_at(cell.column - 1)
                    if cell.value is None:
                        letter = get_column_letter(cell.column)
                        self.problems.append(
                            Where(title, row, header, letter).problem(
                                "a formula with no computed value: open and save the workbook "
                                "in Excel or LibreOffice, or type the value",
                                FORMULA_WITHOUT_VALUE,
                            )
                        )
                    else:
                        values_of[row][cell.column - 1] = self._value(title, row, cell, header)

    def _sheet_problem(
        self, title: str, message: str, code: str, params: Mapping[str, Any] | None = None
    ) -> None:
        self.problems.append(Where(title, None, None, None).problem(message, code, params))


def _expected_headers(title: str) -> list[str]:
    if title == SETTINGS:
        return [column.header for column in SETTING_COLUMNS]
    if title in BY_MONTH_FIELDS:
        return ["line"]
    return list(next(spec for spec in RECORD_SHEETS if spec.title == title).headers)


def _absent_allowed(title: str) -> set[str]:
    """The columns of a record sheet that may be left out (added to the format later)."""
    specs = [spec for spec in RECORD_SHEETS if spec.title == title]
    return {column.header for spec in specs for column in spec.columns if column.may_be_absent}


def _at(headers: list[str | None], position: int) -> str | None:
    return headers[position] if position < len(headers) else None


def _header_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year:04d}-{value.month:02d}"  # a month header Excel turned into a date
    text = str(value).strip()
    return text or None
