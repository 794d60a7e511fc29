"""The registry as an Excel workbook people fill in, and read back all or nothing.

`write_registry_workbook` writes one sheet per kind of record, each with a header row,
drop-downs where the values form a closed set, and a Notes sheet that explains every column.
`read_registry_workbook` reads such a workbook back as an `Instance` and reports every bad cell
at once by sheet, row and column (`Lines!D7 (capacity): must be a number >= 0, got "lots"`),
including the cross-record problems of `kuznia.instance` (unknown references, duplicate ids,
months outside the horizon), each mapped back to the cell that holds the value.

Exception tree:

    Exception
     └── WorkbookError   a workbook cannot be read or breaks the format; carries every problem

What keeps the round trip `instance -> workbook -> instance` exact:
- A blank cell leaves a field out (it takes the format's default); a field that was given is
  written, even when it holds the default value.
- openpyxl stores every number as `%.16g`, so a float 878.0 is stored as `878` and would be
  read back as the int 878. Decimal numbers are therefore written with a number format that
  shows decimals (DECIMAL_FORMAT), and a whole number read from a cell whose format shows
  decimals is read as a float; any other whole number is an int. Integer fields (months, lead
  times, priorities) take 3.0 as 3, so a workbook saved by Excel reads the same.
- Numbers keep 16 significant digits (Excel shows 15): a float that needs 17 comes back rounded
  in its last digit.
- Lists and nested records (JV partners, fund budgets, eligibility lists, the instance's
  sections) are always written out, empty when empty: a producer with no partner rows reads
  back with `partners: []`. Synthetic and database instances always give them; a hand-written
  document that left them out reads back equal in meaning, not key for key.
- A per-month capacity or price (a list, even of equal values) is a row of "Capacity by month"
  or "Price by month", one column per month headed YYYY-MM; its Lines cell says "by month".
What the workbook cannot hold: an empty text "" (it is a blank cell, so the field is left out),
and names with a comma in an eligibility list (the list is comma-separated).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum, auto
from functools import partial
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell
from openpyxl.cell.read_only import EmptyCell, ReadOnlyCell
from openpyxl.styles import Alignment
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kuznia.instance import FORMAT, Instance, InstanceError, parse_instance
from kuznia.instance.errors import format_path
from kuznia.instance.months import add_months
from kuznia.io.excel import _format
from kuznia.io.safety import WorkbookTooLarge, check_workbook, neutralise_formulas

__all__ = [
    "DECIMAL_FORMAT",
    "CellProblem",
    "WorkbookError",
    "read_registry_workbook",
    "write_registry_workbook",
]

# Shows a float with at least one decimal (878.0), so the reader knows it is not an int.
DECIMAL_FORMAT: Final = "#,##0.0##############"
TEXT_FORMAT: Final = "@"
NOTES: Final = "Notes"
SETTINGS: Final = "Settings"
CAPACITY_BY_MONTH: Final = "Capacity by month"
# In a Lines cell: the line's capacity or price is in its by-month sheet.
BY_MONTH: Final = "by month"
PRICE_BY_MONTH: Final = "Price by month"
DEFAULT_START: Final = "2026-01"
DEFAULT_MONTHS: Final = 12
# The last row Excel has: drop-downs cover every row a person may fill.
_LAST_ROW: Final = 1_048_576
_WIDEST: Final = 60
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_MONTH_LABEL = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_NUMERIC_TEXT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_REQUIRED: Final = "required"


# --- What each sheet holds ----------------------------------------------------------------------


class Kind(Enum):
    """How a cell is read."""

    TEXT = auto()
    NUMBER = auto()  # >= 0
    WHOLE = auto()  # >= 0
    POSITIVE_WHOLE = auto()  # >= 1
    SHARE = auto()  # > 0 and <= 1
    CHOICE = auto()  # one of the column's choices
    YES_NO = auto()
    NAMES = auto()  # comma-separated
    YEAR = auto()
    MONTH = auto()  # YYYY-MM


@dataclass(frozen=True)
class Column:
    """One column of a sheet: the field it fills and what a person needs to know about it."""

    header: str
    kind: Kind
    meaning: str
    unit: str = ""
    default: str = _REQUIRED  # what a blank cell means, in words; _REQUIRED when it must be given
    example: str = ""
    choices: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.default == _REQUIRED


@dataclass(frozen=True)
class SheetSpec:
    """A sheet of one row per record: its title, the instance section it fills, its columns."""

    title: str
    section: str
    meaning: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(column.header for column in self.columns)


_OWNERSHIP = ("state", "private", "joint_venture")
_OPERATIONS = ("defensive", "offensive", "stabilization")
_FUND_KINDS = ("state", "partner", "eu", "jv")


def _id(noun: str, example: str) -> Column:
    return Column(
        "id",
        Kind.TEXT,
        f"Identifier of the {noun}, unique; other sheets name the {noun} by it.",
        example=example,
    )


def _reference(header: str, sheet: str, example: str) -> Column:
    return Column(
        header, Kind.TEXT, f"The {header}: an id from the {sheet} sheet.", example=example
    )


def _month(meaning: str, default: str = _REQUIRED) -> Column:
    return Column(
        "month",
        Kind.WHOLE,
        meaning + " Months count from 0, the start month in Settings.",
        unit="month index",
        default=default,
        example="3",
    )


def _quantity(meaning: str) -> Column:
    return Column("quantity", Kind.NUMBER, meaning, unit="units of the item", example="5000")


ITEMS = SheetSpec(
    "Items",
    "items",
    "Product types that can be made and needed.",
    (
        _id("item", "art-155"),
        Column("name", Kind.TEXT, "Name people read.", example="155 mm round"),
        Column(
            "category",
            Kind.TEXT,
            "Category of the item; funds may be limited to categories.",
            example="artillery_ammunition",
        ),
        Column(
            "unit",
            Kind.TEXT,
            "Unit quantities of the item are counted in.",
            default='"pcs"',
            example="rounds",
        ),
    ),
)
PRODUCERS = SheetSpec(
    "Producers",
    "producers",
    "Companies. A joint venture's partners are in JV partners.",
    (
        _id("producer", "p001"),
        Column("name", Kind.TEXT, "Name people read.", example="Zavod 1"),
        Column(
            "ownership", Kind.CHOICE, "Who owns the producer.", example="state", choices=_OWNERSHIP
        ),
        Column(
            "region",
            Kind.TEXT,
            "Region the producer works in; funds may be limited to "
            "regions, scenarios strike regions.",
            example="region-07",
        ),
    ),
)
PARTNERS = SheetSpec(
    "JV partners",
    "partners",
    "Partners of joint-venture producers: one row per partner, read in row order; a producer "
    "with no row here has no partners.",
    (
        _reference("producer", "Producers", "p002"),
        Column("country", Kind.TEXT, "Partner's country.", example="DK"),
        Column(
            "share",
            Kind.SHARE,
            "Partner's share of the joint venture; a producer's shares add up to at most 1.",
            unit="fraction (0.3 = 30%)",
            example="0.3",
        ),
    ),
)
_PER_MONTH_RULE = (
    'When it changes by month, write "by month" here (or leave the cell blank) and give the '
    'line a row in "{sheet}"; a number here and a row there is an error.'
)
LINES = SheetSpec(
    "Lines",
    "lines",
    "A producer's capability to make one item.",
    (
        _id("line", "l0001"),
        _reference("producer", "Producers", "p001"),
        _reference("item", "Items", "art-155"),
        Column(
            "capacity",
            Kind.NUMBER,
            "Units the line can deliver each month, the same every "
            "month. " + _PER_MONTH_RULE.format(sheet=CAPACITY_BY_MONTH),
            unit="units per month",
            example="12000, or by month",
            default=f'required here or in "{CAPACITY_BY_MONTH}"',
        ),
        Column(
            "price",
            Kind.NUMBER,
            "Price of one unit, the same every month. "
            + _PER_MONTH_RULE.format(sheet=PRICE_BY_MONTH),
            unit="currency per unit",
            example="3100.0, or by month",
            default=f'required here or in "{PRICE_BY_MONTH}"',
        ),
        Column(
            "lead_time",
            Kind.WHOLE,
            "Months from the plan's start before new deliveries can "
            "arrive (committed ones may arrive earlier).",
            unit="months",
            default="0",
            example="2",
        ),
        Column(
            "min_rate",
            Kind.NUMBER,
            "milp mode only: a line used at all delivers at least this "
            "every month from its lead time on.",
            unit="units per month",
            default="0",
            example="0",
        ),
    ),
)
EXPANSIONS = SheetSpec(
    "Expansions",
    "expansions",
    "Investment options that add capacity to a line.",
    (
        _id("expansion", "e001"),
        _reference("line", "Lines", "l0001"),
        Column(
            "start",
            Kind.WHOLE,
            "Month the investment is decided (0 = the start month); its "
            "capital cost is paid in that month's calendar year.",
            unit="month index",
            default="0",
            example="0",
        ),
        Column(
            "delay",
            Kind.WHOLE,
            "Months from start until the added capacity counts.",
            unit="months",
            default="0",
            example="6",
        ),
        Column(
            "added_capacity",
            Kind.NUMBER,
            "Capacity added to the line.",
            unit="units per month",
            example="8000",
        ),
        Column(
            "capex",
            Kind.NUMBER,
            "Capital cost of the investment.",
            unit="currency",
            example="40000000.0",
        ),
    ),
)
GROUPINGS = SheetSpec(
    "Groupings",
    "groupings",
    "Operational-strategic groupings of troops: where deliveries go.",
    (
        _id("grouping", "g-east"),
        Column("name", Kind.TEXT, "Name people read.", default="empty", example="East"),
    ),
)
NEEDS = SheetSpec(
    "Needs",
    "needs",
    "Quantities of items the groupings need, by month, operation and priority.",
    (
        _reference("item", "Items", "art-155"),
        _reference("grouping", "Groupings", "g-east"),
        _month("Month the quantity is needed by."),
        _quantity("Quantity needed."),
        Column(
            "operation",
            Kind.CHOICE,
            "Type of operation; its weight is in Settings.",
            example="defensive",
            choices=_OPERATIONS,
        ),
        Column(
            "priority",
            Kind.POSITIVE_WHOLE,
            "Priority tier, 1 is the highest: no amount of a "
            "lower tier outweighs a unit of a higher one.",
            unit="tier",
            default="1",
            example="1",
        ),
    ),
)
# A fund's `eligible` lists, each in a column of Funds named eligible_<list>.
ELIGIBLE_FIELDS = ("categories", "ownership", "producers", "regions")
_ELIGIBLE = (
    "The fund pays only for lines whose {what} is in this comma-separated list; blank: any {noun}."
)
FUNDS = SheetSpec(
    "Funds",
    "funds",
    "Sources of money. Amounts per year are in Fund budgets.",
    (
        _id("fund", "state-budget"),
        Column("name", Kind.TEXT, "Name people read.", default="empty", example="State budget"),
        Column(
            "kind",
            Kind.CHOICE,
            "Kind of fund.",
            default='"state"',
            example="partner",
            choices=_FUND_KINDS,
        ),
        Column(
            "eligible_categories",
            Kind.NAMES,
            _ELIGIBLE.format(what="item's category (Items)", noun="category"),
            default="any category",
            example="artillery_ammunition, drones",
        ),
        Column(
            "eligible_ownership",
            Kind.NAMES,
            _ELIGIBLE.format(
                what="producer's ownership (state, private, joint_venture)", noun="ownership"
            ),
            default="any ownership",
            example="joint_venture, private",
            choices=_OWNERSHIP,
        ),
        Column(
            "eligible_producers",
            Kind.NAMES,
            _ELIGIBLE.format(what="producer (an id from Producers)", noun="producer"),
            default="any producer",
            example="p002, p004",
        ),
        Column(
            "eligible_regions",
            Kind.NAMES,
            _ELIGIBLE.format(what="producer's region (Producers)", noun="region"),
            default="any region",
            example="region-01",
        ),
        Column(
            "expansions",
            Kind.YES_NO,
            "May the fund pay the capital cost of expansions (of lines it is eligible for)?",
            default='"yes"',
            example="yes",
        ),
    ),
)
FUND_BUDGETS = SheetSpec(
    "Fund budgets",
    "budgets",
    "What each fund may pay per calendar year: one row per fund and year; a year with no row is 0.",
    (
        _reference("fund", "Funds", "state-budget"),
        Column("year", Kind.YEAR, "Calendar year.", unit="year", example="2026"),
        Column(
            "amount",
            Kind.NUMBER,
            "Most the fund pays in that year, for deliveries and capital costs together.",
            unit="currency",
            example="6000000000.0",
        ),
    ),
)
FOREIGN_SUPPLY = SheetSpec(
    "Foreign supply",
    "foreign_supply",
    "Expected deliveries from partners abroad.",
    (
        _reference("item", "Items", "art-155"),
        _month("Month of the delivery."),
        _quantity("Quantity expected."),
    ),
)
STOCK = SheetSpec(
    "Stock",
    "stock",
    "Stock of each item at the start; one row per item at most.",
    (_reference("item", "Items", "art-155"), _quantity("Quantity in stock.")),
)
COMMITMENTS = SheetSpec(
    "Commitments",
    "commitments",
    "Signed contracts: a plan delivers at least these.",
    (
        _reference("line", "Lines", "l0001"),
        _month("Month of the delivery."),
        _quantity("Quantity contracted."),
    ),
)

# Settings: one row per setting, key in column A, value in column B.
SETTING_COLUMNS = (
    Column(
        "setting", Kind.TEXT, "Name of the setting; one row each, as listed below.", example="start"
    ),
    Column(
        "value",
        Kind.TEXT,
        "Value of the setting (see each setting below); blank: the default.",
        default="as each setting says",
        example="2026-01",
    ),
)
SETTINGS_ROWS = (
    Column(
        "name", Kind.TEXT, "Name of the instance.", default='"unnamed"', example="national-2026"
    ),
    Column(
        "start",
        Kind.MONTH,
        "First month of the plan, written YYYY-MM. The month columns of "
        "the by-month sheets follow from start and months.",
        example="2026-01",
    ),
    Column(
        "months", Kind.POSITIVE_WHOLE, "Months in the plan (1 to 600).", unit="months", example="24"
    ),
    Column(
        "currency",
        Kind.TEXT,
        "Currency of every price, cost and budget.",
        default='"USD"',
        example="USD",
    ),
    *(
        Column(
            f"operation_weights.{operation}",
            Kind.NUMBER,
            f"Weight of one unit-month short of a need for {operation} operations.",
            unit="weight",
            default=str(weight),
            example=str(weight),
        )
        for operation, weight in zip(_OPERATIONS, (3, 2, 1), strict=True)
    ),
)
# The by-month sheets: the line, then one column per month of the plan.
BY_MONTH_COLUMNS = {
    CAPACITY_BY_MONTH: (
        Column(
            "line",
            Kind.TEXT,
            "A line of the Lines sheet whose capacity changes by month (its capacity cell in "
            'Lines says "by month" or is blank); one row per line at most.',
            example="l0001",
        ),
        Column(
            "YYYY-MM",
            Kind.NUMBER,
            "Capacity in that month; one column per month of the plan, every one filled.",
            unit="units per month",
            example="12000",
        ),
    ),
    PRICE_BY_MONTH: (
        Column(
            "line",
            Kind.TEXT,
            "A line of the Lines sheet whose price changes by month (its price cell in Lines "
            'says "by month" or is blank); one row per line at most.',
            example="l0001",
        ),
        Column(
            "YYYY-MM",
            Kind.NUMBER,
            "Price in that month; one column per month of the plan, every one filled.",
            unit="currency per unit",
            example="3100.0",
        ),
    ),
}
BY_MONTH_FIELDS = {CAPACITY_BY_MONTH: "capacity", PRICE_BY_MONTH: "price"}

RECORD_SHEETS = (
    ITEMS,
    PRODUCERS,
    PARTNERS,
    LINES,
    EXPANSIONS,
    GROUPINGS,
    NEEDS,
    FUNDS,
    FUND_BUDGETS,
    FOREIGN_SUPPLY,
    STOCK,
    COMMITMENTS,
)
# Sheets in the order of the workbook; problems are reported in this order too.
SHEET_ORDER = (
    NOTES,
    SETTINGS,
    "Items",
    "Producers",
    "JV partners",
    "Lines",
    CAPACITY_BY_MONTH,
    PRICE_BY_MONTH,
    "Expansions",
    "Groupings",
    "Needs",
    "Funds",
    "Fund budgets",
    "Foreign supply",
    "Stock",
    "Commitments",
)
_SECTION_SHEETS = {sheet.section: sheet.title for sheet in RECORD_SHEETS} | {
    setting.header.split(".")[0]: SETTINGS for setting in SETTINGS_ROWS
}

RULES = (
    "Each sheet holds one record per row under its header row (row 1). Fully empty rows are "
    "skipped. Keep the column names: columns may be moved, not renamed, and no column may be "
    "added. Sheets other than these are ignored.",
    'A blank cell leaves the field out: it takes the default in "required or default". A '
    "required field must not be blank.",
    "Ids are text: other sheets name a record by its id, exactly as written (case and spaces "
    "count).",
    "Numbers are plain numbers, never text such as 'lots' or a date. A whole number is read as "
    "an integer unless its cell's number format shows decimals (as Kuznia writes decimal "
    "numbers, e.g. 878.0): then it is a decimal number. Both are accepted wherever a number is; "
    "the difference only keeps an exported instance identical when it is read back.",
    "Months are counted from 0, the start month in Settings: with start 2026-01, month 3 is "
    "2026-04.",
    "Capacity and price: a number in the Lines sheet holds for every month. A value that "
    f'changes by month goes in "{CAPACITY_BY_MONTH}" or "{PRICE_BY_MONTH}" instead, one row per '
    'line with a value in every month column, and the Lines cell says "by month" (a blank cell '
    "is read the same way). The month columns follow start and months in Settings; change "
    "those and the columns must change too.",
    "Lists (a fund's eligibility) are comma-separated in one cell; blank means no restriction.",
    "Formulas are allowed where the workbook was saved by Excel or LibreOffice, which store "
    "their computed value; a formula with no computed value is an error.",
    "Import is all or nothing: every bad cell is reported as Sheet!A1 (column) and nothing is "
    "imported until all are fixed.",
    "This sheet (Notes) is not read on import.",
)


# --- Problems -----------------------------------------------------------------------------------


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
        return f"{_quoted(self.sheet)}!{self.letter}{self.row}"

    def __str__(self) -> str:
        if self.sheet is None:
            return self.message
        where = self.cell or _quoted(self.sheet)
        if self.column:
            where += f" ({self.column})"
        return f"{where}: {self.message}"


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


def _quoted(sheet: str) -> str:
    """A sheet's name as Excel writes it in a reference: quoted when it holds a space."""
    return f"'{sheet}'" if not re.fullmatch(r"[A-Za-z0-9_]+", sheet) else sheet


def _in_workbook_order(problems: list[CellProblem]) -> list[CellProblem]:
    rank = {title: index for index, title in enumerate(SHEET_ORDER)}

    def position(problem: CellProblem) -> tuple[int, int, int]:
        sheet = -1 if problem.sheet is None else rank.get(problem.sheet, len(rank))
        column = column_index_from_string(problem.letter) if problem.letter else 0
        return (sheet, problem.row or 0, column)

    return sorted(problems, key=position)


# --- Writing ------------------------------------------------------------------------------------


def write_registry_workbook(
    instance: Instance | None,
    path: str | os.PathLike[str],
    *,
    start_hint: str = DEFAULT_START,
    months_hint: int = DEFAULT_MONTHS,
) -> Path:
    """Write `instance` as a workbook people can fill in; with None, the empty template, whose
    Settings hold `start_hint` (YYYY-MM) and `months_hint` (they fix the by-month sheets'
    columns)."""
    if instance is None:
        if not _MONTH_LABEL.fullmatch(start_hint) or not 1 <= months_hint <= 600:
            raise ValueError(f"no plan starts {start_hint!r} for {months_hint!r} months")
        document: dict[str, Any] = {"start": start_hint, "months": months_hint}
        labels = _month_labels(start_hint, months_hint)
    else:
        document = instance.model_dump(exclude_unset=True)
        labels = _month_labels(instance.start, instance.months)
    book = Workbook()
    book.remove(book.active)
    _write_notes(book.create_sheet(NOTES), labels)
    _write_settings(book.create_sheet(SETTINGS), document)
    lines = document.get("lines", [])
    for title in SHEET_ORDER[2:]:
        sheet = book.create_sheet(title)
        if title in BY_MONTH_FIELDS:
            _write_by_month(sheet, lines, BY_MONTH_FIELDS[title], labels)
        else:
            spec = next(spec for spec in RECORD_SHEETS if spec.title == title)
            _write_records(sheet, spec, _rows_of(spec, document))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a crash never leaves half a workbook behind.
    unfinished = target.with_name(f".{target.name}.partial")
    neutralise_formulas(book)
    book.save(unfinished)
    unfinished.replace(target)
    return target


def _rows_of(spec: SheetSpec, document: Mapping[str, Any]) -> Iterator[list[object]]:
    """The cell values of `spec`'s sheet, one list per row, from an instance document."""
    if spec is PARTNERS:
        for producer in document.get("producers", []):
            for partner in producer.get("partners", []):
                yield [producer.get("id"), partner.get("country"), partner.get("share")]
    elif spec is FUND_BUDGETS:
        for fund in document.get("funds", []):
            for year, amount in fund.get("budget", {}).items():
                # A year is written as a number unless that would change it ("0999").
                shown: object = int(year) if year.isdigit() and str(int(year)) == year else year
                yield [fund.get("id"), shown, amount]
    elif spec is FUNDS:
        for fund in document.get("funds", []):
            eligible = fund.get("eligible", {})
            yield [
                fund.get("id"),
                fund.get("name"),
                fund.get("kind"),
                *(_joined(eligible.get(name)) for name in ELIGIBLE_FIELDS),
                None if "expansions" not in fund else ("yes" if fund["expansions"] else "no"),
            ]
    else:
        for record in document.get(spec.section, []):
            row = [record.get(column.header) for column in spec.columns]
            if spec is LINES:
                # A per-month list goes in its by-month sheet; the Lines cell points there.
                row = [BY_MONTH if isinstance(value, list) else value for value in row]
            yield row


def _joined(values: list[str] | None) -> str | None:
    return ", ".join(values) if values else None


def _write_records(sheet: Worksheet, spec: SheetSpec, rows: Iterator[list[object]]) -> None:
    _write_header(sheet, spec.headers)
    for row in rows:
        _append(sheet, row)
    _finish(sheet, spec.columns)


def _write_by_month(
    sheet: Worksheet, lines: list[dict[str, Any]], field_name: str, labels: list[str]
) -> None:
    _write_header(sheet, ["line", *labels])
    for line in lines:
        values = line.get(field_name)
        if isinstance(values, list):
            _append(sheet, [line.get("id"), *values])
    line_column, month_column = BY_MONTH_COLUMNS[sheet.title]
    _finish(sheet, [line_column, *([month_column] * len(labels))], freeze="B2")


def _write_settings(sheet: Worksheet, document: Mapping[str, Any]) -> None:
    _write_header(sheet, [column.header for column in SETTING_COLUMNS])
    weights = document.get("operation_weights", {})
    for setting in SETTINGS_ROWS:
        key = setting.header
        value = weights.get(key.split(".")[1]) if "." in key else document.get(key)
        _append(sheet, [key, value])
        if setting.kind is Kind.MONTH:
            # Typed into a General cell, 2026-01 turns into a date; text stays text.
            sheet.cell(sheet.max_row, 2).number_format = TEXT_FORMAT
    _finish(sheet, SETTING_COLUMNS)


def _write_notes(sheet: Worksheet, labels: list[str]) -> None:
    headers = ["sheet", "column", "meaning", "unit", "required or default", "example"]
    _write_header(sheet, headers)
    for rule in RULES:
        sheet.append(["All sheets", "", rule, "", "", ""])
    for title, columns in _documented_columns(labels):
        for column in columns:
            sheet.append(
                [title, column.header, column.meaning, column.unit, column.default, column.example]
            )
    widths = {"A": 16, "B": 24, "C": 90, "D": 20, "E": 30, "F": 28}
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = _WRAP_TOP
    sheet.auto_filter.ref = f"A1:F{sheet.max_row}"


def _documented_columns(labels: list[str]) -> Iterator[tuple[str, Sequence[Column]]]:
    """Every sheet's columns in workbook order, as the Notes sheet explains them."""
    for title in SHEET_ORDER[1:]:
        if title == SETTINGS:
            yield title, (*SETTING_COLUMNS, *SETTINGS_ROWS)
        elif title in BY_MONTH_COLUMNS:
            line_column, month_column = BY_MONTH_COLUMNS[title]
            months = f"{labels[0]} … {labels[-1]}" if labels else "none"
            note = f" Here: {months} ({len(labels)} columns)."
            yield title, (line_column, replace(month_column, meaning=month_column.meaning + note))
        else:
            spec = next(spec for spec in RECORD_SHEETS if spec.title == title)
            yield title, spec.columns


def _write_header(sheet: Worksheet, headers: Sequence[str]) -> None:
    sheet.append(list(headers))
    _format(sheet)  # header style and frozen header row, as in the plan workbook


def _append(sheet: Worksheet, values: Sequence[object]) -> None:
    """Add a row; decimal numbers get DECIMAL_FORMAT, text that starts with "=" stays text."""
    cells: list[object] = []
    for value in values:
        if isinstance(value, float) or (isinstance(value, str) and value.startswith("=")):
            cell = Cell(sheet, value=value)
            if isinstance(value, float):
                cell.number_format = DECIMAL_FORMAT
            else:
                cell.data_type = "s"  # text, not a formula
            cells.append(cell)
        else:
            cells.append(None if value == "" else value)
    sheet.append(cells)


def _finish(sheet: Worksheet, columns: Sequence[Column], *, freeze: str = "A2") -> None:
    """Widths that fit the header and the first rows, drop-downs for closed sets, text
    columns formatted as text, a filter over the rows."""
    sheet.freeze_panes = freeze
    rows = sheet.max_row  # openpyxl counts the cells: once per sheet, not per row
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{rows}"
    for position, column in enumerate(columns, start=1):
        letter = get_column_letter(position)
        shown = [
            _shown(cell.value)
            for (cell,) in sheet.iter_rows(
                min_row=1, max_row=min(rows, 200), min_col=position, max_col=position
            )
        ]
        sheet.column_dimensions[letter].width = min(max(map(len, shown), default=8) + 3, _WIDEST)
        if column.kind in (Kind.TEXT, Kind.NAMES) and sheet.title != SETTINGS:
            sheet.column_dimensions[letter].number_format = TEXT_FORMAT
        # A list of ownerships (Kind.NAMES) has choices too, but a drop-down holds one value.
        allowed = {Kind.YES_NO: ("yes", "no"), Kind.CHOICE: column.choices}.get(column.kind, ())
        if allowed:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(allowed) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=f"Not a valid {column.header}",
                error=f"{column.header} must be one of: {', '.join(allowed)}.",
            )
            validation.add(f"{letter}2:{letter}{_LAST_ROW}")
            sheet.add_data_validation(validation)


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _month_labels(start: str, months: int) -> list[str]:
    """`YYYY-MM` of every month of the plan."""
    return [add_months(start, offset) for offset in range(months)]


# --- Reading ------------------------------------------------------------------------------------


class _Absent:
    """Marks a cell that gives the instance no value: blank, or bad and already reported."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


@dataclass(frozen=True)
class _Where:
    """Where a value came from: a cell, or a whole sheet when `row` is None."""

    sheet: str
    row: int | None
    column: str | None
    letter: str | None

    def problem(self, message: str) -> CellProblem:
        return CellProblem(self.sheet, self.row, self.column, self.letter, message)


# Stands for values whose absence was reported already (a missing column, bad month cells):
# the instance's own "required field is missing" would only repeat it.
_COVERED: Final = _Where("", None, None, None)


@dataclass
class _Table:
    """A sheet as read: the position of each known column, and the rows that hold anything."""

    title: str
    columns: dict[str, int] = field(default_factory=dict)  # header -> 0-based position
    rows: list[tuple[int, list[object]]] = field(default_factory=list)  # Excel row, values

    def value(self, values: list[object], header: str) -> object:
        position = self.columns.get(header)
        if position is None or position >= len(values):
            return None
        return values[position]

    def where(self, row: int, header: str) -> _Where:
        position = self.columns.get(header)
        letter = None if position is None else get_column_letter(position + 1)
        return _Where(self.title, row, header, letter)

    def header_at(self, position: int) -> str | None:
        return next((name for name, at in self.columns.items() if at == position), None)


def read_registry_workbook(path: str | os.PathLike[str]) -> Instance:
    """The instance in the workbook at `path`, all or nothing. Raises WorkbookError with every
    bad cell, each named by sheet, row and column."""
    source = os.fspath(path)
    reader = _Reader()
    reader.read(path, source=source)
    document = reader.assemble()
    instance = reader.check(document)
    if reader.problems or instance is None:
        raise WorkbookError(_in_workbook_order(reader.problems), source=source)
    return instance


def _open(path: str | os.PathLike[str], *, data_only: bool, source: str) -> Any:
    """The workbook at `path` opened read-only; WorkbookError if it is not one."""
    try:
        check_workbook(path)
        return load_workbook(path, read_only=True, data_only=data_only)
    except WorkbookTooLarge as error:
        message = str(error)
    except FileNotFoundError:
        message = "no such file"
    except IsADirectoryError:
        message = "a directory, not a workbook"
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        message = f"not an Excel workbook (.xlsx) that can be read: {_first_line(error)}"
    raise WorkbookError([CellProblem(None, None, None, None, message)], source=source)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# Raised by openpyxl on a workbook whose parts are broken (bad XML, bad numbers, missing parts).
_BROKEN_WORKBOOK = (ValueError, KeyError, TypeError, SyntaxError, zipfile.BadZipFile, OSError)


@dataclass
class _Reader:
    """Reads a workbook's sheets into an instance document, collecting every problem and where
    each value came from (to place the instance's own problems on cells)."""

    problems: list[CellProblem] = field(default_factory=list)
    tables: dict[str, _Table] = field(default_factory=dict)
    # JSON path of a value (`lines[5].item`) -> where it came from, where no rule below finds it
    located: dict[str, _Where] = field(default_factory=dict)
    # A record sheet's records are its rows in order: `items[3]` is the 4th row of Items.
    record_sheets: dict[str, _Table] = field(default_factory=dict)
    # A line's per-month values in a by-month sheet: (line index, field) -> its row there
    month_rows: dict[tuple[int, str], _MonthRow] = field(default_factory=dict)
    # (sheet, row, column number) of formula cells, read again for their computed values
    formulas: set[tuple[str, int, int]] = field(default_factory=set)
    # Sheets missing, or missing their header row or a column: references into them are not
    # reported as unknown (every line's item would be unknown when Items is missing).
    incomplete: set[str] = field(default_factory=set)
    month_labels: list[str] | None = None

    # -- sheets and header rows --

    def read(self, path: str | os.PathLike[str], *, source: str) -> None:
        book = _open(path, data_only=False, source=source)
        try:
            self._read_tables(book)
            if self.formulas:
                computed = _open(path, data_only=True, source=source)
                try:
                    self._resolve_formulas(computed)
                finally:
                    computed.close()
        except _BROKEN_WORKBOOK as error:
            message = f"the workbook cannot be read, it is damaged: {_first_line(error)}"
            raise WorkbookError(
                [CellProblem(None, None, None, None, message)], source=source
            ) from None
        finally:
            book.close()

    def _read_tables(self, book: Any) -> None:
        expected = [title for title in SHEET_ORDER if title != NOTES]
        others = [title for title in book.sheetnames if title not in SHEET_ORDER]
        for title in expected:
            if title not in book.sheetnames:
                hint = f" (the workbook has {_listing(others)})" if others else ""
                self._sheet_problem(title, f"sheet is missing{hint}")
                self.incomplete.add(title)
                continue
            sheet = book[title]
            if not isinstance(sheet, ReadOnlyWorksheet):
                self._sheet_problem(title, "is a chart, not a sheet of cells")
                self.incomplete.add(title)
                continue
            sheet.reset_dimensions()  # trust the cells, not the size the file declares
            self.tables[title] = self._table(title, sheet)

    def _table(self, title: str, sheet: ReadOnlyWorksheet) -> _Table:
        rows = sheet.iter_rows()
        headers = [_header_text(cell.value) for cell in next(rows, ())]
        table = _Table(title)
        expected = _expected_headers(title)
        by_month = title in BY_MONTH_FIELDS

        def known(header: str | None) -> bool:
            return header in expected or bool(by_month and _MONTH_LABEL.fullmatch(header or ""))

        if not any(known(header) for header in headers):
            self._sheet_problem(title, f"row 1 must hold the column names: {_listing(expected)}")
            self.incomplete.add(title)
            return table
        for position, header in enumerate(headers):
            if header is None:
                continue
            where = _Where(title, 1, header, get_column_letter(position + 1))
            if header in table.columns:
                first = get_column_letter(table.columns[header] + 1)
                self.problems.append(where.problem(f"column given twice, first in {first}1"))
            elif known(header):
                table.columns[header] = position
            else:
                self.problems.append(
                    where.problem(
                        f"unknown column; the columns of {title} are {_listing(expected)}"
                    )
                )
        for header in expected:
            if header not in table.columns:
                self._sheet_problem(title, f'column "{header}" is missing from row 1')
                self.incomplete.add(title)
        reported_columns: set[int] = set()
        known_positions = list(table.columns.values())
        for row, cells in enumerate(rows, start=2):
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
            for position, value in enumerate(values):
                unheaded = _at(headers, position) is None and not _blank(value)
                if unheaded and position not in reported_columns:
                    reported_columns.add(position)
                    letter = get_column_letter(position + 1)
                    self.problems.append(
                        _Where(title, row, None, letter).problem(
                            f"a value in column {letter}, which has no name in row 1"
                        )
                    )
            # A row is a record when a known column holds something; values only in other
            # columns are reported above, and fully empty rows are skipped.
            if any(not _blank(values[at]) for at in known_positions if at < len(values)):
                table.rows.append((row, values))
        return table

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
                _Where(title, row, header, letter).problem(f"holds the Excel error {value}")
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
                            _Where(title, row, header, letter).problem(
                                "a formula with no computed value: open and save the workbook "
                                "in Excel or LibreOffice, or type the value"
                            )
                        )
                    else:
                        values_of[row][cell.column - 1] = self._value(title, row, cell, header)

    def _sheet_problem(self, title: str, message: str) -> None:
        self.problems.append(CellProblem(title, None, None, None, message))

    def _unknown(self, where: _Where, noun: str, value: object) -> None:
        """Report a reference to a record that no sheet holds, unless its sheet is incomplete."""
        if _REFERRED_SHEETS[noun] not in self.incomplete:
            self.problems.append(where.problem(f'unknown {noun} "{value}"'))

    # -- the instance document --

    def assemble(self) -> dict[str, Any]:
        """The instance document the sheets hold; bad cells are reported and left out."""
        document: dict[str, Any] = {"format": FORMAT}
        self._settings(self.tables.get(SETTINGS), document)
        for spec in RECORD_SHEETS:
            if spec not in (PARTNERS, FUND_BUDGETS):
                document[spec.section] = self._records(self.tables.get(spec.title), spec)
        self._partners(self.tables.get(PARTNERS.title), document["producers"])
        self._budgets(self.tables.get(FUND_BUDGETS.title), document["funds"])
        for title, field_name in BY_MONTH_FIELDS.items():
            by_line = self._by_month(self.tables.get(title), field_name)
            self._per_month(document["lines"], field_name, by_line)
        return document

    def _settings(self, table: _Table | None, document: dict[str, Any]) -> None:
        if table is None:
            for setting in SETTINGS_ROWS:
                self.located[setting.header] = _COVERED  # the sheet is reported missing
            return
        settings = {setting.header: setting for setting in SETTINGS_ROWS}
        first_row: dict[str, int] = {}
        weights: dict[str, Any] = {}
        for row, values in table.rows:
            raw_key = table.value(values, "setting")
            key = raw_key.strip() if isinstance(raw_key, str) else raw_key
            key_where = table.where(row, "setting")
            if _blank(key):
                self.problems.append(key_where.problem("a value with no setting name"))
                continue
            if not isinstance(key, str) or key not in settings:
                self.problems.append(
                    key_where.problem(
                        f"unknown setting {_render(key)}; the settings are {_listing(settings)}"
                    )
                )
                continue
            if key in first_row:
                self.problems.append(
                    key_where.problem(f'setting "{key}" given twice, first in row {first_row[key]}')
                )
                continue
            first_row[key] = row
            where = _Where(SETTINGS, row, key, table.where(row, "value").letter)
            self.located[key] = where
            value = self._convert(table.value(values, "value"), settings[key], where)
            if value is ABSENT:
                continue
            if key.startswith("operation_weights."):
                weights[key.removeprefix("operation_weights.")] = value
            else:
                document[key] = value
        for setting in SETTINGS_ROWS:
            if setting.required and setting.header not in first_row:
                if SETTINGS not in self.incomplete:
                    self._sheet_problem(
                        SETTINGS, f'the setting "{setting.header}" is required: add a row for it'
                    )
                self.located[setting.header] = _COVERED
        if weights:
            document["operation_weights"] = weights
        start, months = document.get("start"), document.get("months")
        if isinstance(start, str) and _MONTH_LABEL.fullmatch(start) and isinstance(months, int):
            self.month_labels = _month_labels(start, min(months, 600))

    def _records(self, table: _Table | None, spec: SheetSpec) -> list[dict[str, Any]]:
        """One record per row of a sheet whose columns are the records' fields."""
        records: list[dict[str, Any]] = []
        if table is None:
            return records
        self.record_sheets[spec.section] = table
        present = [
            (column, table.columns[column.header], column.header.removeprefix("eligible_"))
            for column in spec.columns
            if column.header in table.columns  # a missing column is reported already
        ]
        for row, values in table.rows:
            record: dict[str, Any] = {}
            if spec is PRODUCERS:
                record["partners"] = []  # filled from JV partners
            elif spec is FUNDS:
                record["budget"] = {}  # filled from Fund budgets
                record["eligible"] = {name: [] for name in ELIGIBLE_FIELDS}
            for column, position, name in present:
                raw = values[position] if position < len(values) else None
                if spec is LINES and _says_by_month(raw):
                    continue  # the value is in a by-month sheet: see _per_month
                value = self._convert(raw, column, partial(table.where, row, column.header))
                if value is ABSENT:
                    continue
                if column.kind is Kind.NAMES:
                    record["eligible"][name] = value
                else:
                    record[name] = value
            records.append(record)
        return records

    def _child_rows(
        self, table: _Table | None, spec: SheetSpec
    ) -> Iterator[tuple[dict[str, Any], dict[str, _Where]]]:
        """The rows of a sheet that adds to records of another one (JV partners, Fund budgets):
        each row's converted values (bad and blank ones left out) and their cells."""
        if table is None:
            return
        for row, values in table.rows:
            wheres = {column.header: table.where(row, column.header) for column in spec.columns}
            converted = {
                column.header: self._convert(
                    table.value(values, column.header), column, wheres[column.header]
                )
                for column in spec.columns
            }
            given = {header: value for header, value in converted.items() if value is not ABSENT}
            yield given, wheres

    def _partners(self, table: _Table | None, producers: list[dict[str, Any]]) -> None:
        index_of = _first_index(producers)
        for partner, wheres in self._child_rows(table, PARTNERS):
            producer_id = partner.pop("producer", None)
            if producer_id is None:
                continue
            index = index_of.get(producer_id)
            if index is None:
                self._unknown(wheres["producer"], "producer", producer_id)
                continue
            partners = producers[index]["partners"]
            base = ("producers", index, "partners")
            self.located.setdefault(format_path(base), wheres["producer"])
            self.located[format_path((*base, len(partners)))] = wheres["producer"]
            for name in ("country", "share"):
                self.located[format_path((*base, len(partners), name))] = wheres[name]
            partners.append(partner)

    def _budgets(self, table: _Table | None, funds: list[dict[str, Any]]) -> None:
        index_of = _first_index(funds)
        first_row: dict[tuple[int, str], int | None] = {}
        for budget, wheres in self._child_rows(table, FUND_BUDGETS):
            fund_id, year = budget.get("fund"), budget.get("year")
            if fund_id is None or year is None:
                continue
            index = index_of.get(fund_id)
            if index is None:
                self._unknown(wheres["fund"], "fund", fund_id)
                continue
            if (index, year) in first_row:
                self.problems.append(
                    wheres["year"].problem(
                        f'budget of fund "{fund_id}" for {year} given twice, first in row '
                        f"{first_row[index, year]}"
                    )
                )
                continue
            first_row[index, year] = wheres["year"].row
            self.located[format_path(("funds", index, "budget", year))] = wheres["year"]
            if "amount" in budget:
                funds[index]["budget"][year] = budget["amount"]

    def _by_month(self, table: _Table | None, field_name: str) -> dict[str, _MonthRow]:
        """The rows of a by-month sheet by line id."""
        by_line: dict[str, _MonthRow] = {}
        if table is None:
            return by_line
        labels = self._month_columns(table)
        line_column, value_column = BY_MONTH_COLUMNS[table.title]
        for row, values in table.rows:
            line_where = table.where(row, "line")
            line_id = self._convert(table.value(values, "line"), line_column, line_where)
            month_values: list[object] = []
            for label in labels:
                raw = table.value(values, label)
                where = partial(table.where, row, label)
                if _blank(raw):
                    self.problems.append(
                        where().problem(
                            "every month needs a value; for a value that stays the same, delete "
                            "this row and give the number in the Lines sheet"
                        )
                    )
                    month_values.append(ABSENT)
                else:
                    month_values.append(self._convert(raw, value_column, where))
            if not isinstance(line_id, str):
                continue
            if line_id in by_line:
                first = by_line[line_id].where.row
                self.problems.append(
                    line_where.problem(f'line "{line_id}" given twice, first in row {first}')
                )
                continue
            by_line[line_id] = _MonthRow(line_where, month_values, table, labels)
        return by_line

    def _month_columns(self, table: _Table) -> list[str]:
        """The month headers in the plan's order; they must be the months of start and months
        in Settings (any order)."""
        present = [header for header in table.columns if header != "line"]
        if self.month_labels is None:
            return sorted(present)  # start or months is bad: reported in Settings
        expected = self.month_labels
        span = f"{expected[0]} to {expected[-1]}"
        for label in present:
            if label not in expected:
                self.problems.append(
                    table.where(1, label).problem(
                        f"month {label} is not in the plan ({span}, from start and months in "
                        "Settings)"
                    )
                )
        absent = [label for label in expected if label not in table.columns]
        if absent:
            shown = _listing(absent[:3]) + (
                f" and {len(absent) - 3} more" if len(absent) > 3 else ""
            )
            self._sheet_problem(
                table.title,
                f"month columns missing from row 1: {shown}; the plan runs {span} (start and "
                "months in Settings), one column per month",
            )
            self.incomplete.add(table.title)
        return [label for label in expected if label in table.columns]

    def _per_month(
        self, lines: list[dict[str, Any]], field_name: str, by_line: dict[str, _MonthRow]
    ) -> None:
        """Each line's `field_name`: its Lines cell, or its row in the by-month sheet (never
        both, at least one)."""
        sheet = CAPACITY_BY_MONTH if field_name == "capacity" else PRICE_BY_MONTH
        index_of = _first_index(lines)
        lines_table = self.tables.get(LINES.title)
        for line_id, month_row in by_line.items():
            index = index_of.get(line_id)
            if index is None:
                self._unknown(month_row.where, "line", line_id)
                continue
            if sheet in self.incomplete:
                # Rows short of the missing month columns: reported once, at the sheet.
                self.located[format_path(("lines", index, field_name))] = _COVERED
                continue
            in_lines = None if lines_table is None else _cell_of(lines_table, index, field_name)
            if lines_table is not None and not _blank(in_lines) and not _says_by_month(in_lines):
                row = lines_table.rows[index][0]
                self.problems.append(
                    lines_table.where(row, field_name).problem(
                        f'given both here and in "{sheet}" row {month_row.where.row}: keep one '
                        f'(write "{BY_MONTH}" here for a value that changes by month)'
                    )
                )
                continue
            if all(value is not ABSENT for value in month_row.values):
                lines[index][field_name] = month_row.values
                self.month_rows[index, field_name] = month_row
            else:
                # Its bad month cells are reported; "required" at the line would repeat them.
                self.located[format_path(("lines", index, field_name))] = _COVERED
        if lines_table is None or field_name not in lines_table.columns:
            return
        for index, line in enumerate(lines):
            path = format_path(("lines", index, field_name))
            if field_name not in line and path not in self.located:
                row, values = lines_table.rows[index]
                in_lines = lines_table.value(values, field_name)
                if _says_by_month(in_lines):
                    message = f'says "{BY_MONTH}", but "{sheet}" has no row for this line'
                elif _blank(in_lines):
                    message = f'required: a number here, or a row for this line in "{sheet}"'
                else:
                    continue  # a bad value, reported
                self.problems.append(lines_table.where(row, field_name).problem(message))

    # -- cells --

    def _convert(self, raw: object, column: Column, where: _Where | Callable[[], _Where]) -> object:
        """The cell's value for the instance; ABSENT when blank, or bad (then reported, as is a
        required cell left blank). `where` is the cell, or makes it (only for a problem)."""
        if raw is ABSENT:
            return ABSENT
        if raw is None or (type(raw) is str and not raw.strip()):
            if column.required:
                self._report(where, "required, but the cell is empty")
            return ABSENT
        value, message = _CONVERTERS[column.kind](raw, column)
        if message is not None:
            self._report(where, message)
            return ABSENT
        return value

    def _report(self, where: _Where | Callable[[], _Where], message: str) -> None:
        self.problems.append((where if isinstance(where, _Where) else where()).problem(message))

    # -- the instance's own checks --

    def check(self, document: dict[str, Any]) -> Instance | None:
        """The instance, or None with its structural and cross-record problems added, each on
        its cell; a problem on a cell that was reported already is a consequence of that one
        and left out."""
        try:
            instance = parse_instance(document)
        except InstanceError as error:
            reported = {(problem.sheet, problem.row, problem.letter) for problem in self.problems}
            for problem in error.problems:
                where = self._locate(problem.path)
                unknown = _UNKNOWN_REFERENCE.match(problem.message)
                if where is _COVERED or (
                    unknown and _REFERRED_SHEETS[unknown.group(1)] in self.incomplete
                ):
                    continue
                message = self._in_cells(problem.message)
                if where is None:
                    head = re.split(r"[.\[]", problem.path, maxsplit=1)[0]
                    self.problems.append(
                        CellProblem(
                            _SECTION_SHEETS.get(head),
                            None,
                            None,
                            None,
                            f"{problem.path}: {message}",
                        )
                    )
                elif (where.sheet, where.row, where.letter) not in reported:
                    if message == "required field is missing":
                        message = "required, but the cell is empty"
                    self.problems.append(where.problem(message))
            return None
        return instance if not self.problems else None

    def _in_cells(self, message: str) -> str:
        """The message with the JSON paths it names (`first at lines[0]`) as cells."""

        def cell(match: re.Match[str]) -> str:
            where = self._locate(match.group(1))
            if where is None or where is _COVERED or where.row is None:
                return match.group(0)
            return f"first in {_quoted(where.sheet)}!{where.letter}{where.row}"

        return _FIRST_AT.sub(cell, message)

    def _locate(self, path: str) -> _Where | None:
        """Where a JSON path's value came from: the path itself, or its longest known prefix."""
        ends = [len(path), *(match.start() for match in re.finditer(r"[.\[]", path))]
        for end in sorted(ends, reverse=True):
            prefix = path[:end]
            where = self.located.get(prefix) or self._cell_at(prefix)
            if where is not None:
                return where
        return None

    def _cell_at(self, path: str) -> _Where | None:
        """The cell of a record sheet at a JSON path: `needs[7]` (the row), `needs[7].month`,
        `funds[2].eligible.categories`, `lines[5].capacity[3]` (a by-month cell)."""
        match = _RECORD_PATH.fullmatch(path)
        if match is None:
            return None
        section, index_text, name, sub, month = match.groups()
        index = int(index_text)
        month_row = self.month_rows.get((index, name)) if section == "lines" else None
        if month_row is not None:
            return month_row.where if month is None else month_row.cell(int(month))
        table = self.record_sheets.get(section)
        if table is None or index >= len(table.rows) or month is not None:
            return None
        if name is None:
            header = next(iter(_SPECS[section].headers))
        elif sub is not None:
            header = f"eligible_{sub}" if name == "eligible" else ""
        else:
            header = name
        if header not in _SPECS[section].headers:
            return None
        where = table.where(table.rows[index][0], header)
        return _COVERED if where.letter is None else where


@dataclass(frozen=True)
class _MonthRow:
    """A line's row in a by-month sheet: its line cell, its values in month order."""

    where: _Where
    values: list[object]
    table: _Table
    labels: list[str]  # the month of each value

    def cell(self, month: int) -> _Where | None:
        if month >= len(self.labels) or self.where.row is None:
            return None
        return self.table.where(self.where.row, self.labels[month])


# What a reference names, and the sheet that holds those records.
_REFERRED_SHEETS: Final = {
    "item": ITEMS.title,
    "category": ITEMS.title,
    "producer": PRODUCERS.title,
    "region": PRODUCERS.title,
    "line": LINES.title,
    "grouping": GROUPINGS.title,
    "fund": FUNDS.title,
}
_UNKNOWN_REFERENCE = re.compile(r'unknown ([a-z]+) "')
_FIRST_AT = re.compile(r"first at ([a-z_]+\[[0-9]+\])")
# `needs[7]`, `needs[7].month`, `funds[2].eligible.categories`, `lines[5].capacity[3]`
_RECORD_PATH = re.compile(r"([a-z_]+)\[([0-9]+)\](?:\.([a-z_]+)(?:\.([a-z_]+)|\[([0-9]+)\])?)?")
_SPECS = {spec.section: spec for spec in RECORD_SHEETS}


_CELL_VALUES = (str, int, float, dt.datetime, dt.date, dt.time, dt.timedelta)


def _expected_headers(title: str) -> list[str]:
    if title == SETTINGS:
        return [column.header for column in SETTING_COLUMNS]
    if title in BY_MONTH_FIELDS:
        return ["line"]
    return list(next(spec for spec in RECORD_SHEETS if spec.title == title).headers)


def _cell_of(table: _Table, index: int, header: str) -> object:
    """The value in `header`'s column of a record sheet's record `index` (its index-th row)."""
    return table.value(table.rows[index][1], header) if index < len(table.rows) else None


def _first_index(records: list[dict[str, Any]]) -> dict[object, int]:
    """Each id's first record (a duplicate id is reported by the instance's checks)."""
    index_of: dict[object, int] = {}
    for index, record in enumerate(records):
        index_of.setdefault(record.get("id"), index)
    return index_of


def _at(headers: list[str | None], position: int) -> str | None:
    return headers[position] if position < len(headers) else None


def _header_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year:04d}-{value.month:02d}"  # a month header Excel turned into a date
    text = str(value).strip()
    return text or None


def _says_by_month(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() == BY_MONTH


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _listing(values: Iterable[object]) -> str:
    return ", ".join(json.dumps(value, ensure_ascii=False) for value in values)


# --- Cells --------------------------------------------------------------------------------------

# A cell's value for the instance and None, or None and what is wrong with the cell.
_Converted = tuple[object, str | None]


def _render(value: object) -> str:
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
    return f"must be {described}, got {_render(value)}{hint}"


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


def _read_text(value: object, column: Column) -> _Converted:
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
    return None, _not_a(f"one of {_listing(column.choices)}", value)


_ANSWERS: Final = {"yes": True, "no": False, "true": True, "false": False}


def _read_yes_no(value: object, column: Column) -> _Converted:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, str) and value.strip().lower() in _ANSWERS:
        return _ANSWERS[value.strip().lower()], None
    return None, _not_a('"yes" or "no"', value)


def _read_names(value: object, column: Column) -> _Converted:
    text, _ = _read_text(value, column)
    if not isinstance(text, str):
        return None, _not_a("a comma-separated list", value)
    names = [name.strip() for name in text.split(",") if name.strip()]
    if column.choices:
        wrong = [name for name in names if name.lower() not in column.choices]
        if wrong:
            return None, f"must list values among {_listing(column.choices)}, got {_listing(wrong)}"
        names = [name.lower() for name in names]
    return names, None


def _read_year(value: object, column: Column) -> _Converted:
    if isinstance(value, str):
        return value.strip(), None  # a year that is not 4 digits is reported by the instance
    number = _number_of(value)
    if number is None or not math.isfinite(number) or number != int(number):
        return None, _not_a("a year such as 2026", value)
    return str(int(number)), None


def _read_month(value: object, column: Column) -> _Converted:
    if isinstance(value, str):
        return value.strip(), None  # not YYYY-MM: reported by the instance
    # Excel turns 2026-01 typed into a cell formatted General into the date 2026-01-01.
    midnight = not isinstance(value, dt.datetime) or value.time() == dt.time(0)
    if isinstance(value, dt.date) and value.day == 1 and midnight:
        return f"{value.year:04d}-{value.month:02d}", None
    return None, f"must be a month written YYYY-MM, got {_render(value)}"


_CONVERTERS: Final[dict[Kind, Callable[[object, Column], _Converted]]] = {
    Kind.TEXT: _read_text,
    Kind.NUMBER: _read_number,
    Kind.SHARE: _read_number,
    Kind.WHOLE: _read_whole,
    Kind.POSITIVE_WHOLE: _read_whole,
    Kind.CHOICE: _read_choice,
    Kind.YES_NO: _read_yes_no,
    Kind.NAMES: _read_names,
    Kind.YEAR: _read_year,
    Kind.MONTH: _read_month,
}
