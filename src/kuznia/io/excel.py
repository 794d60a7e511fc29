"""Plan results as an Excel workbook a person can read: one sheet per table, a readme sheet."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kuznia.io.xlsx import Table, write_xlsx
from kuznia.planning.results import PlanResult, reason_text

# The media type of every workbook Kuznia answers with.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
_HEADER_FONT = Font(bold=True, color="FFFFFF")

SHEETS: dict[str, str] = {
    "Summary": "Status, tiers (weighted unit-months short per priority), cost and coverage.",
    "Coverage by category": "Share of the need served within the horizon, per item category.",
    "Coverage by item": "Share of the need served within the horizon, per item.",
    "Coverage by grouping": "Share of the need served within the horizon, per grouping.",
    "Coverage by month": "Share of the need due by each month that was served by then.",
    "Shortfalls": "Every need class left short, largest first, with its reasons.",
    "Deliveries": "Planned deliveries per line and month: quantity, unit price, value.",
    "Payments": "Which fund pays what, per line (or expansion) and calendar year.",
    "Budget use": "Spend against budget per fund and calendar year.",
    "Expansions": "Capacity investments chosen (level 1 = fully, below 1 = in part, lp mode).",
    "Capacity use": "Capacity available from the lead time on, delivered, and utilisation per line.",
    "Allocations": "Need, served and backlog per need class and month.",
    "Stock": "Stock per item at the end of each month.",
    "Exports": "Export orders (foreign buyers' offers): offered, served and revenue; the export "
    "stage runs after every tier and the cost and cannot move them.",
    "Surplus": "Capacity per item and month left after the plan and exports (after plan), and "
    "capacity no tier would take even with unlimited funds (unconditional).",
    "Economy": "Spend by funds, output value, export revenue and jobs, by region, ownership, "
    "joint-venture partner country (times the partner's share) and category.",
}


def _summary(result: PlanResult) -> pd.DataFrame:
    rows: list[tuple[str, object]] = [
        ("Plan", result.name),
        ("Status", result.status.value),
        ("Mode", result.mode),
        ("Start", result.start),
        ("Months", result.months),
        ("Currency", result.currency),
        ("Total cost", result.cost),
        ("Delivery cost", result.delivery_cost),
        ("Capital expenditure", result.capex),
        ("Coverage (overall)", result.coverage if not result.allocations.empty else None),
    ]
    for tier in result.tiers:
        rows.append(
            (f"Tier {tier.priority}: weighted unit-months short", tier.weighted_unit_months_short)
        )
        rows.append((f"Tier {tier.priority}: unit-months short", tier.unit_months_short))
    for conflict in result.conflicts:
        rows.append(("Conflict", conflict))
    return pd.DataFrame(rows, columns=["Field", "Value"])


def _shortfalls(result: PlanResult) -> pd.DataFrame:
    rows = []
    for e in result.explanations:
        reasons = [reason_text(r, result.start) for r in e["reasons"]]
        rows.append(
            {
                "item": e["item"],
                "category": e["category"],
                "grouping": e["grouping"],
                "priority": e["priority"],
                "operation": e["operation"],
                "need": e["need"],
                "short at end": e["short_at_end"],
                "unit-months short": e["unit_months_short"],
                "weighted unit-months short": e["weighted_unit_months_short"],
                "short from month": e["first_short_month"],
                "reasons": "; ".join(reasons),
            }
        )
    return pd.DataFrame(rows)


def _economy(result: PlanResult) -> pd.DataFrame:
    """The economy tables stacked in one sheet: what each row is by, and its value."""
    frames = []
    for name, table in result.economy.items():
        key = table.columns[0] if len(table.columns) else "value"
        frames.append(
            table.rename(columns={key: "value"}).assign(by=name.removeprefix("by_"))[
                ["by", "value", *[c for c in table.columns if c != key]]
            ]
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_plan_workbook(result: PlanResult, path: str | Path) -> Path | BinaryIO:
    """Write the plan's tables to `path` (.xlsx), one sheet per table, formatted for reading."""
    allocations = result.allocations
    tables: dict[str, pd.DataFrame] = {
        "Summary": _summary(result),
        "Coverage by category": result.coverage_by("category"),
        "Coverage by item": result.coverage_by("item"),
        "Coverage by grouping": result.coverage_by("grouping"),
        "Coverage by month": result.coverage_by("month"),
        "Shortfalls": _shortfalls(result),
        "Deliveries": result.deliveries,
        "Payments": result.payments,
        "Budget use": result.budget_use,
        "Expansions": result.expansions,
        "Capacity use": result.capacity_use,
        "Allocations": allocations.drop(columns=["class", "need_to_date", "need_total"])
        if not allocations.empty
        else allocations,
        "Stock": result.stock,
    }
    if result.has_export_orders:
        tables["Exports"] = result.exports
    tables["Surplus"] = result.surplus
    tables["Economy"] = _economy(result)
    return write_tables_workbook(tables, SHEETS, path)


def write_tables_workbook(
    tables: dict[str, pd.DataFrame], descriptions: dict[str, str], path: str | Path | BinaryIO
) -> Path | BinaryIO:
    """Write `tables` to a workbook, one formatted sheet each after a "Read me" sheet that
    says what each holds (streamed, `kuznia.io.xlsx`: a national plan's in about a second)."""
    if isinstance(path, str | Path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
    readme = pd.DataFrame(
        [(name, descriptions.get(name, "")) for name in tables], columns=["Sheet", "What it holds"]
    )
    sheets = [_table("Read me", readme)]
    sheets += [_table(name, frame) for name, frame in tables.items()]
    write_xlsx(sheets, path)
    return path


def _table(name: str, frame: pd.DataFrame) -> Table:
    """A frame as a sheet: readable headers, its rows as plain Python values."""
    header = [str(c).replace("_", " ").capitalize() for c in frame.columns]
    return Table(name, header, [frame.iloc[:, k].tolist() for k in range(len(frame.columns))])


# The registry workbook (io.workbook.writer) is built cell by cell with openpyxl and formatted
# here; the result tables are streamed (write_tables_workbook).
def format_sheet(sheet: Worksheet) -> None:
    """Bold coloured header, frozen header row, filters, readable column widths and numbers."""
    if sheet.max_row < 1:
        return
    for cell in sheet[1]:
        cell.fill = _HEADER_FILL
        cell.font = _HEADER_FONT
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    sheet.freeze_panes = "A2"
    if sheet.max_row > 1 and sheet.max_column > 0:
        sheet.auto_filter.ref = sheet.dimensions
    for column in sheet.iter_cols(min_row=1, max_row=min(sheet.max_row, 200)):
        header = str(column[0].value or "")
        width = max([len(header)] + [len(_shown(c.value)) for c in column[1:]]) + 2
        sheet.column_dimensions[get_column_letter(column[0].column)].width = min(max(width, 8), 80)
        ratio = any(word in header.lower() for word in ("coverage", "share", "utilisation"))
        for cell in column[1:]:
            if isinstance(cell.value, float):
                cell.number_format = "0.0%" if ratio else "#,##0.00"
            elif isinstance(cell.value, int) and not isinstance(cell.value, bool):
                cell.number_format = "#,##0" if "month" not in header.lower() else "0"
    if sheet.max_row > 200:
        for column in sheet.iter_cols(min_row=201, max_row=sheet.max_row):
            header = str(sheet.cell(1, column[0].column).value or "").lower()
            ratio = any(word in header for word in ("coverage", "share", "utilisation"))
            for cell in column:
                if isinstance(cell.value, float):
                    cell.number_format = "0.0%" if ratio else "#,##0.00"


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    return "" if value is None else str(value)
