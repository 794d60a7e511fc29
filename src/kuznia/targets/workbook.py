"""The targets report in words and as an Excel workbook (a "Read me" sheet, the targets with
their status and reasons, and every target's months)."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pandas as pd

from kuznia.io.excel import write_tables_workbook
from kuznia.targets.schemas import TargetProgress, TargetRead, TargetReason, TargetReport

NOTES = {
    "Targets": "Each target with its total for the period, the approved plan (the contracts' "
    "current schedules) and the accepted output over the period, what the plan had due by the "
    "as-of day against what was accepted, and its status with the reasons. A multiple's base "
    "output is what the depots accepted in the base month once it is over, else the plan's.",
    "Months": "Per target and month of its span (base month to the period's end): the target "
    "(in the period's months), the approved plan, the accepted output to the as-of day, and "
    "growth (accepted over the base month's accepted).",
}


def target_label(target: TargetRead) -> str:
    """What a target asks, in words: `artillery_ammunition x20 of 2026-01 by 2026-12`."""
    what = target.category + (f" ({target.item})" if target.item else "")
    if target.multiple is not None:
        return f"{what} x{_number(target.multiple)} of {target.base_month} in {target.period}"
    return f"{what} {_number(target.quantity or 0.0)} in {target.period}"


def reason_text(reason: TargetReason) -> str:
    """A reason a target is off track, with its numbers."""
    expected, got, short = (_number(v) for v in (reason.expected, reason.got, reason.short))
    if reason.kind == "plan_short_of_target":
        return f"plan short of target: {got} planned of {expected} (short {short})"
    if reason.kind == "execution_short_of_plan":
        return f"execution short of plan: {got} accepted of {expected} due to date (short {short})"
    return "no base output: the base month neither made nor plans anything"


def status_text(target: TargetProgress) -> str:
    """`on track`, or `off track: ` and the reasons."""
    if target.status == "on_track":
        return "on track"
    return "off track: " + "; ".join(reason_text(reason) for reason in target.reasons)


def tables(report: TargetReport) -> dict[str, pd.DataFrame]:
    """The report's two tables."""
    targets = pd.DataFrame(
        [
            {
                "id": t.id,
                "category": t.category,
                "item": t.item or "",
                "period": t.period,
                "quantity": t.quantity,
                "multiple": t.multiple,
                "base_month": t.base_month or "",
                "base_output": t.base_output,
                "base_source": t.base_source or "",
                "target_total": t.target_total,
                "plan_total": t.plan_total,
                "actual_total": t.actual_total,
                "plan_to_date": t.plan_to_date,
                "actual_to_date": t.actual_to_date,
                "status": status_text(t),
                "note": t.note,
            }
            for t in report.targets
        ],
        columns=[
            "id", "category", "item", "period", "quantity", "multiple", "base_month",
            "base_output", "base_source", "target_total", "plan_total", "actual_total",
            "plan_to_date", "actual_to_date", "status", "note",
        ],
    )  # fmt: skip
    months = pd.DataFrame(
        [
            {
                "target": t.id,
                "category": t.category,
                "item": t.item or "",
                "month": m.month,
                "target_quantity": m.target,
                "plan": m.plan,
                "actual": m.actual,
                "growth": m.growth,
            }
            for t in report.targets
            for m in t.months
        ],
        columns=[
            "target", "category", "item", "month", "target_quantity", "plan", "actual", "growth",
        ],
    )  # fmt: skip
    return {"Targets": targets, "Months": months}


def write_report(report: TargetReport, path: str | Path | BinaryIO) -> Path | BinaryIO:
    """Write the report as a workbook to a path or a binary stream."""
    return write_tables_workbook(tables(report), NOTES, path)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
