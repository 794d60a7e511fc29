"""A money curve as an Excel workbook a negotiator can hand on: a sheet of the steps (one row
per step: the extra money, the cost and each tier's shortfall side by side), a sheet of the
same figures one row per step and tier, and a sheet saying what was asked (run, fund, year,
currency). Headers come in the reader's language (`CurveWords`, English by default); like
every workbook Kuznia writes, text that a spreadsheet would take for a formula is written
as text (kuznia.io.safety)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kuznia.io.excel import format_sheet
from kuznia.io.safety import neutralise_formulas


@dataclass(frozen=True)
class CurveWords:
    """The workbook's words, in one language. Tier headers hold `{tier}`."""

    steps_sheet: str = "Steps"
    tiers_sheet: str = "By tier"
    about_sheet: str = "Read me"
    step: str = "Step"
    extra: str = "Extra money ({currency})"
    cost: str = "Cost ({currency})"
    priority: str = "Priority"
    weighted: str = "Weighted unit-months short"
    short: str = "Unit-months short"
    closed: str = "Unit-months closed"
    tier_weighted: str = "Tier {tier}: weighted unit-months short"
    tier_short: str = "Tier {tier}: unit-months short"
    tier_closed: str = "Tier {tier}: unit-months closed"
    field: str = "Field"
    value: str = "Value"
    run: str = "Plan run"
    fund: str = "Fund"
    year: str = "Year"
    currency: str = "Currency"
    note: str = (
        "The plan is solved again at every step with the fund's budget of the year raised by "
        "the extra money; between steps the curve is drawn straight."
    )


def write_curve_workbook(
    curve: Mapping[str, Any], target: IO[bytes], *, words: CurveWords | None = None
) -> None:
    """Write the money curve `curve` (as `kuznia.plans.economy.run_money_curve` returns it:
    run, fund, year, currency and rows of `CURVE_COLUMNS`) to `target` as .xlsx."""
    words = words or CurveWords()
    currency = str(curve.get("currency") or "")
    rows: Sequence[Mapping[str, Any]] = curve["rows"]
    book = Workbook()
    steps = book.worksheets[0]
    steps.title = _title(words.steps_sheet)
    _write_steps(steps, rows, words, currency)
    tiers = book.create_sheet(_title(words.tiers_sheet))
    tiers.append(
        [
            words.step,
            words.extra.format(currency=currency),
            words.priority,
            words.weighted,
            words.short,
            words.closed,
            words.cost.format(currency=currency),
        ]
    )
    for row in rows:
        tiers.append(
            [
                int(row["step"]),
                float(row["extra"]),
                int(row["priority"]),
                float(row["weighted_unit_months_short"]),
                float(row["unit_months_short"]),
                float(row["closed_unit_months"]),
                float(row["cost"]),
            ]
        )
    about = book.create_sheet(_title(words.about_sheet))
    about.append([words.field, words.value])
    for label, value in (
        (words.run, curve.get("run")),
        (words.fund, curve.get("fund")),
        (words.year, curve.get("year")),
        (words.currency, currency),
        ("", words.note),
    ):
        about.append([label, value])
    for sheet in book.worksheets:
        format_sheet(sheet)
    neutralise_formulas(book)
    book.save(target)


def _write_steps(
    sheet: Worksheet, rows: Sequence[Mapping[str, Any]], words: CurveWords, currency: str
) -> None:
    """One row per step: its extra money and cost, then three columns per tier."""
    tiers = sorted({int(row["priority"]) for row in rows})
    header: list[str] = [
        words.step,
        words.extra.format(currency=currency),
        words.cost.format(currency=currency),
    ]
    for tier in tiers:
        header += [
            words.tier_weighted.format(tier=tier),
            words.tier_short.format(tier=tier),
            words.tier_closed.format(tier=tier),
        ]
    sheet.append(header)
    by_step: dict[int, dict[int, Mapping[str, Any]]] = {}
    for row in rows:
        by_step.setdefault(int(row["step"]), {})[int(row["priority"])] = row
    for step, of_step in sorted(by_step.items()):
        first = next(iter(of_step.values()))
        line: list[Any] = [step, float(first["extra"]), float(first["cost"])]
        for tier in tiers:
            cell = of_step.get(tier)
            line += (
                [
                    float(cell["weighted_unit_months_short"]),
                    float(cell["unit_months_short"]),
                    float(cell["closed_unit_months"]),
                ]
                if cell is not None
                else [None, None, None]
            )
        sheet.append(line)


def _title(name: str) -> str:
    """A sheet title Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in name).strip()
    return cleaned[:31] or "Sheet"
