"""Assembling the instance document from the sheets' tables: settings, one record per row,
the rows that add to another sheet's records (JV partners, fund budgets), and the by-month
values of lines; with where each value came from, to place the instance's own problems."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from kuznia.instance import FORMAT
from kuznia.instance.errors import UNKNOWN_REFERENCE, Segments
from kuznia.io.workbook.cells import (
    blank,
    cell_params,
    convert,
    listing,
    render,
    says_by_month,
)
from kuznia.io.workbook.layout import (
    BY_MONTH,
    BY_MONTH_COLUMNS,
    BY_MONTH_FIELDS,
    CAPACITY_BY_MONTH,
    ELIGIBLE_FIELDS,
    FUND_BUDGETS,
    FUNDS,
    LINES,
    MONTH_LABEL,
    OPTIONAL_SHEETS,
    PARTNERS,
    PRICE_BY_MONTH,
    PRODUCERS,
    RECORD_SHEETS,
    SETTINGS,
    SETTINGS_ROWS,
    Column,
    Kind,
    SheetSpec,
    month_labels,
)
from kuznia.io.workbook.problems import (
    BUDGET_TWICE,
    BY_MONTH_WITHOUT_ROW,
    CELL_VALUE,
    EMPTY_CELL,
    GIVEN_TWICE_BY_MONTH,
    LINE_TWICE,
    MONTH_COLUMNS_MISSING,
    MONTH_NOT_IN_PLAN,
    MONTH_VALUE_MISSING,
    NUMBER_OR_BY_MONTH_ROW,
    SETTING_REQUIRED,
    SETTING_TWICE,
    SETTING_WITHOUT_NAME,
    UNKNOWN_SETTING,
    CellProblem,
)
from kuznia.io.workbook.tables import ABSENT, COVERED, Table, Where


@dataclass
class Assembler:
    """Builds the instance document from the tables, reporting bad cells, and remembers where
    each value came from."""

    tables: dict[str, Table]
    problems: list[CellProblem]
    incomplete: set[str]
    # Location of a value (`("lines", 5, "item")`) -> where it came from, where no rule of
    # `kuznia.io.workbook.placing` finds it
    located: dict[Segments, Where] = field(default_factory=dict)
    # A record sheet's records are its rows in order: `items[3]` is the 4th row of Items.
    record_sheets: dict[str, Table] = field(default_factory=dict)
    # A line's per-month values in a by-month sheet: (line index, field) -> its row there
    month_rows: dict[tuple[int, str], MonthRow] = field(default_factory=dict)
    plan_months: list[str] | None = None  # YYYY-MM of each month, when Settings give them
    # (section, column) -> a registry-only column's value per record, None where blank
    registry_only: dict[tuple[str, str], list[Any]] = field(default_factory=dict)

    def _sheet_problem(
        self, title: str, message: str, code: str, params: Mapping[str, Any] | None = None
    ) -> None:
        self.problems.append(Where(title, None, None, None).problem(message, code, params))

    def _unknown(self, where: Where, spec: SheetSpec, noun: str, value: object) -> None:
        """Report a reference to a record that no sheet holds, unless its sheet (`spec`'s) is
        incomplete."""
        if spec.title not in self.incomplete:
            self.problems.append(
                where.problem(
                    f'unknown {noun} "{value}"',
                    UNKNOWN_REFERENCE,
                    {"noun": noun, "value": str(value)},
                )
            )

    # -- the instance document --

    def assemble(self) -> dict[str, Any]:
        """The instance document the sheets hold; bad cells are reported and left out."""
        document: dict[str, Any] = {"format": FORMAT}
        self._settings(self.tables.get(SETTINGS), document)
        for spec in RECORD_SHEETS:
            if spec.title in OPTIONAL_SHEETS and spec.title not in self.tables:
                continue  # a workbook from before the sheet: the section is left out
            if spec not in (PARTNERS, FUND_BUDGETS):
                document[spec.section] = self._records(self.tables.get(spec.title), spec)
        self._partners(self.tables.get(PARTNERS.title), document["producers"])
        self._budgets(self.tables.get(FUND_BUDGETS.title), document["funds"])
        for title, field_name in BY_MONTH_FIELDS.items():
            by_line = self._by_month(self.tables.get(title))
            self._per_month(document["lines"], field_name, by_line)
        return document

    def _settings(self, table: Table | None, document: dict[str, Any]) -> None:
        if table is None:
            for setting in SETTINGS_ROWS:
                self.located[_setting_location(setting.header)] = (
                    COVERED  # the sheet is reported missing
                )
            return
        settings = {setting.header: setting for setting in SETTINGS_ROWS}
        first_row: dict[str, int] = {}
        weights: dict[str, Any] = {}
        for row, values in table.rows:
            key = self._setting_key(table, row, values, settings, first_row)
            if key is None:
                continue
            first_row[key] = row
            where = Where(SETTINGS, row, key, table.where(row, "value").letter)
            self.located[_setting_location(key)] = where
            value = self._convert(table.value(values, "value"), settings[key], where)
            if value is ABSENT:
                continue
            if key.startswith("operation_weights."):
                weights[key.removeprefix("operation_weights.")] = value
            else:
                document[key] = value
        self._required_settings(first_row)
        if weights:
            document["operation_weights"] = weights
        start, months = document.get("start"), document.get("months")
        if isinstance(start, str) and MONTH_LABEL.fullmatch(start) and isinstance(months, int):
            self.plan_months = month_labels(start, min(months, 600))

    def _setting_key(
        self,
        table: Table,
        row: int,
        values: list[object],
        settings: dict[str, Any],
        first_row: dict[str, int],
    ) -> str | None:
        """The row's setting name, or None (reported) if blank, unknown or given twice."""
        raw_key = table.value(values, "setting")
        key = raw_key.strip() if isinstance(raw_key, str) else raw_key
        key_where = table.where(row, "setting")
        if blank(key):
            self.problems.append(
                key_where.problem("a value with no setting name", SETTING_WITHOUT_NAME)
            )
            return None
        if not isinstance(key, str) or key not in settings:
            self.problems.append(
                key_where.problem(
                    f"unknown setting {render(key)}; the settings are {listing(settings)}",
                    UNKNOWN_SETTING,
                    {"value": str(key), "settings": ", ".join(settings)},
                )
            )
            return None
        if key in first_row:
            self.problems.append(
                key_where.problem(
                    f'setting "{key}" given twice, first in row {first_row[key]}',
                    SETTING_TWICE,
                    {"setting": key, "row": first_row[key]},
                )
            )
            return None
        return key

    def _required_settings(self, first_row: dict[str, int]) -> None:
        """Reports each required setting with no row (unless the sheet is already incomplete)."""
        for setting in SETTINGS_ROWS:
            if setting.required and setting.header not in first_row:
                if SETTINGS not in self.incomplete:
                    self._sheet_problem(
                        SETTINGS,
                        f'the setting "{setting.header}" is required: add a row for it',
                        SETTING_REQUIRED,
                        {"setting": setting.header},
                    )
                self.located[_setting_location(setting.header)] = COVERED

    def _records(self, table: Table | None, spec: SheetSpec) -> list[dict[str, Any]]:
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
                if spec is LINES and says_by_month(raw):
                    continue  # the value is in a by-month sheet: see _per_month
                value = self._convert(raw, column, partial(table.where, row, column.header))
                if column.registry_only:
                    kept = self.registry_only.setdefault((spec.section, column.header), [])
                    kept.append(None if value is ABSENT else value)
                    continue
                if value is ABSENT:
                    continue
                if column.kind is Kind.NAMES:
                    record["eligible"][name] = value
                else:
                    record[name] = value
            records.append(record)
        return records

    def _child_rows(
        self, table: Table | None, spec: SheetSpec
    ) -> Iterator[tuple[dict[str, Any], dict[str, Where]]]:
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

    def _partners(self, table: Table | None, producers: list[dict[str, Any]]) -> None:
        index_of = _first_index(producers)
        for partner, wheres in self._child_rows(table, PARTNERS):
            producer_id = partner.pop("producer", None)
            if producer_id is None:
                continue
            index = index_of.get(producer_id)
            if index is None:
                self._unknown(wheres["producer"], PRODUCERS, "producer", producer_id)
                continue
            partners = producers[index]["partners"]
            base: Segments = ("producers", index, "partners")
            self.located.setdefault(base, wheres["producer"])
            self.located[(*base, len(partners))] = wheres["producer"]
            for name in ("country", "share"):
                self.located[(*base, len(partners), name)] = wheres[name]
            partners.append(partner)

    def _budgets(self, table: Table | None, funds: list[dict[str, Any]]) -> None:
        index_of = _first_index(funds)
        first_row: dict[tuple[int, str], int | None] = {}
        for budget, wheres in self._child_rows(table, FUND_BUDGETS):
            fund_id, year = budget.get("fund"), budget.get("year")
            if fund_id is None or year is None:
                continue
            index = index_of.get(fund_id)
            if index is None:
                self._unknown(wheres["fund"], FUNDS, "fund", fund_id)
                continue
            if (index, year) in first_row:
                self.problems.append(
                    wheres["year"].problem(
                        f'budget of fund "{fund_id}" for {year} given twice, first in row '
                        f"{first_row[index, year]}",
                        BUDGET_TWICE,
                        {"fund": str(fund_id), "year": str(year), "row": first_row[index, year]},
                    )
                )
                continue
            first_row[index, year] = wheres["year"].row
            self.located[("funds", index, "budget", year)] = wheres["year"]
            if "amount" in budget:
                funds[index]["budget"][year] = budget["amount"]

    def _by_month(self, table: Table | None) -> dict[str, MonthRow]:
        """The rows of a by-month sheet by line id."""
        by_line: dict[str, MonthRow] = {}
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
                if blank(raw):
                    self.problems.append(
                        where().problem(
                            "every month needs a value; for a value that stays the same, delete "
                            "this row and give the number in the Lines sheet",
                            MONTH_VALUE_MISSING,
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
                    line_where.problem(
                        f'line "{line_id}" given twice, first in row {first}',
                        LINE_TWICE,
                        {"line": line_id, "row": first},
                    )
                )
                continue
            by_line[line_id] = MonthRow(line_where, month_values, table, labels)
        return by_line

    def _month_columns(self, table: Table) -> list[str]:
        """The month headers in the plan's order; they must be the months of start and months
        in Settings (any order)."""
        present = [header for header in table.columns if header != "line"]
        if self.plan_months is None:
            return sorted(present)  # start or months is bad: reported in Settings
        expected = self.plan_months
        span = f"{expected[0]} to {expected[-1]}"
        for label in present:
            if label not in expected:
                self.problems.append(
                    table.where(1, label).problem(
                        f"month {label} is not in the plan ({span}, from start and months in "
                        "Settings)",
                        MONTH_NOT_IN_PLAN,
                        {"month": label, "first": expected[0], "last": expected[-1]},
                    )
                )
        absent = [label for label in expected if label not in table.columns]
        if absent:
            shown = listing(absent[:3]) + (
                f" and {len(absent) - 3} more" if len(absent) > 3 else ""
            )
            self._sheet_problem(
                table.title,
                f"month columns missing from row 1: {shown}; the plan runs {span} (start and "
                "months in Settings), one column per month",
                MONTH_COLUMNS_MISSING,
                {"months": ", ".join(absent), "first": expected[0], "last": expected[-1]},
            )
            self.incomplete.add(table.title)
        return [label for label in expected if label in table.columns]

    def _per_month(
        self, lines: list[dict[str, Any]], field_name: str, by_line: dict[str, MonthRow]
    ) -> None:
        """Each line's `field_name`: its Lines cell, or its row in the by-month sheet (never
        both, at least one)."""
        sheet = CAPACITY_BY_MONTH if field_name == "capacity" else PRICE_BY_MONTH
        index_of = _first_index(lines)
        lines_table = self.tables.get(LINES.title)
        for line_id, month_row in by_line.items():
            index = index_of.get(line_id)
            if index is None:
                self._unknown(month_row.where, LINES, "line", line_id)
                continue
            if sheet in self.incomplete:
                # Rows short of the missing month columns: reported once, at the sheet.
                self.located[("lines", index, field_name)] = COVERED
                continue
            in_lines = None if lines_table is None else _cell_of(lines_table, index, field_name)
            if lines_table is not None and not blank(in_lines) and not says_by_month(in_lines):
                row = lines_table.rows[index][0]
                self.problems.append(
                    lines_table.where(row, field_name).problem(
                        f'given both here and in "{sheet}" row {month_row.where.row}: keep one '
                        f'(write "{BY_MONTH}" here for a value that changes by month)',
                        GIVEN_TWICE_BY_MONTH,
                        {"sheet": sheet, "row": month_row.where.row or 0, "by_month": BY_MONTH},
                    )
                )
                continue
            if all(value is not ABSENT for value in month_row.values):
                lines[index][field_name] = month_row.values
                self.month_rows[index, field_name] = month_row
            else:
                # Its bad month cells are reported; "required" at the line would repeat them.
                self.located[("lines", index, field_name)] = COVERED
        if lines_table is None or field_name not in lines_table.columns:
            return
        for index, line in enumerate(lines):
            path: Segments = ("lines", index, field_name)
            if field_name not in line and path not in self.located:
                row, values = lines_table.rows[index]
                in_lines = lines_table.value(values, field_name)
                if says_by_month(in_lines):
                    message = f'says "{BY_MONTH}", but "{sheet}" has no row for this line'
                    code = BY_MONTH_WITHOUT_ROW
                elif blank(in_lines):
                    message = f'required: a number here, or a row for this line in "{sheet}"'
                    code = NUMBER_OR_BY_MONTH_ROW
                else:
                    continue  # a bad value, reported
                params = {"sheet": sheet, "by_month": BY_MONTH}
                self.problems.append(
                    lines_table.where(row, field_name).problem(message, code, params)
                )

    # -- cells --

    def _convert(self, raw: object, column: Column, where: Where | Callable[[], Where]) -> object:
        """The cell's value for the instance; ABSENT when blank, or bad (then reported, as is a
        required cell left blank). `where` is the cell, or makes it (only for a problem)."""
        if raw is ABSENT:
            return ABSENT
        if raw is None or (type(raw) is str and not raw.strip()):
            if column.required:
                self._report(where, "required, but the cell is empty", EMPTY_CELL, {})
            return ABSENT
        value, message = convert(raw, column)
        if message is not None:
            self._report(where, message, CELL_VALUE, cell_params(raw, column))
            return ABSENT
        return value

    def _report(
        self,
        where: Where | Callable[[], Where],
        message: str,
        code: str,
        params: Mapping[str, Any],
    ) -> None:
        cell = where if isinstance(where, Where) else where()
        self.problems.append(cell.problem(message, code, params))


@dataclass(frozen=True)
class MonthRow:
    """A line's row in a by-month sheet: its line cell, its values in month order."""

    where: Where
    values: list[object]
    table: Table
    labels: list[str]  # the month of each value

    def cell(self, month: int) -> Where | None:
        if month >= len(self.labels) or self.where.row is None:
            return None
        return self.table.where(self.where.row, self.labels[month])


def _setting_location(key: str) -> Segments:
    """Where a setting's value is in the instance: `operation_weights.defensive` is
    `("operation_weights", "defensive")`."""
    return tuple(key.split("."))


def _cell_of(table: Table, index: int, header: str) -> object:
    """The value in `header`'s column of a record sheet's record `index` (its index-th row)."""
    return table.value(table.rows[index][1], header) if index < len(table.rows) else None


def _first_index(records: list[dict[str, Any]]) -> dict[object, int]:
    """Each id's first record (a duplicate id is reported by the instance's checks)."""
    index_of: dict[object, int] = {}
    for index, record in enumerate(records):
        index_of.setdefault(record.get("id"), index)
    return index_of
