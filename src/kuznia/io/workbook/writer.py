"""Writing the registry workbook: one sheet per kind of record with a header row, drop-downs
where the values form a closed set, and a Notes sheet that explains every column.

Every cell value goes through `cell_value`, the one place that decides how a value is stored.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kuznia.instance import Instance
from kuznia.io.excel import format_sheet
from kuznia.io.safety import neutralise_formulas
from kuznia.io.workbook.layout import (
    BY_MONTH,
    BY_MONTH_COLUMNS,
    BY_MONTH_FIELDS,
    DECIMAL_FORMAT,
    DEFAULT_MONTHS,
    DEFAULT_START,
    ELIGIBLE_FIELDS,
    FUND_BUDGETS,
    FUNDS,
    LINES,
    MONTH_LABEL,
    NOTES,
    PARTNERS,
    RECORD_SHEETS,
    RULES,
    SETTING_COLUMNS,
    SETTINGS,
    SETTINGS_ROWS,
    SHEET_ORDER,
    TEXT_FORMAT,
    Column,
    Kind,
    SheetSpec,
    month_labels,
)

# The last row Excel has: drop-downs cover every row a person may fill.
_LAST_ROW: Final = 1_048_576
_WIDEST: Final = 60
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")


def write_registry_workbook(
    instance: Instance | None,
    path: str | os.PathLike[str],
    *,
    start_hint: str = DEFAULT_START,
    months_hint: int = DEFAULT_MONTHS,
    supplier_countries: Sequence[str | None] = (),
) -> Path:
    """Write `instance` as a workbook people can fill in; with None, the empty template, whose
    Settings hold `start_hint` (YYYY-MM) and `months_hint` (they fix the by-month sheets'
    columns). `supplier_countries`: the registry's country of each foreign supply record,
    in its order (blank where not given)."""
    if instance is None:
        if not MONTH_LABEL.fullmatch(start_hint) or not 1 <= months_hint <= 600:
            raise ValueError(f"no plan starts {start_hint!r} for {months_hint!r} months")
        document: dict[str, Any] = {"start": start_hint, "months": months_hint}
        labels = month_labels(start_hint, months_hint)
    else:
        document = instance.model_dump(exclude_unset=True)
        labels = month_labels(instance.start, instance.months)
        # a registry-only column (layout): none given leaves every cell blank
        for record, country in zip(
            document.get("foreign_supply", []), supplier_countries, strict=False
        ):
            record["supplier_country"] = country
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
    format_sheet(sheet)  # header style and frozen header row, as in the plan workbook


def _append(sheet: Worksheet, values: Sequence[object]) -> None:
    """Add a row of values, each stored as `cell_value` says."""
    sheet.append([cell_value(sheet, value) for value in values])


def cell_value(sheet: Worksheet, value: object) -> object:
    """What a row of `sheet` holds for `value`: decimal numbers get DECIMAL_FORMAT, text that
    starts with "=" stays text (not a formula), "" is a blank cell; anything else as it is."""
    if isinstance(value, float) or (isinstance(value, str) and value.startswith("=")):
        cell = Cell(sheet, value=value)
        if isinstance(value, float):
            cell.number_format = DECIMAL_FORMAT
        else:
            cell.data_type = "s"  # text, not a formula
        return cell
    return None if value == "" else value


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
        if column.kind in (Kind.TEXT, Kind.NAMES, Kind.COUNTRY) and sheet.title != SETTINGS:
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
