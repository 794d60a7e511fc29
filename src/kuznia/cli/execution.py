"""`kuznia report daily` and `kuznia report plan-vs-actual`: the execution reports of the
database `KUZNIA_DATABASE_URL` names, as tables, and as a workbook with `--excel FILE`.

The command line reads as the ministry's operator does: everything in reach (an auditor's
scope), the same numbers the API gives a planner. Exit codes: 0 done; 1 the database cannot be
reached; 2 it is not migrated, or the depot or plan run named does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from kuznia.auth.permissions import Scope
from kuznia.cli.app import app as kuznia
from kuznia.cli.db import NOTHING_DONE, database
from kuznia.db.session import session_scope
from kuznia.errors import NotFound
from kuznia.models import Role

if TYPE_CHECKING:
    from kuznia.logistics.schemas import DailyReport, PlanVsActual

# The command line's reach: every depot, contract and plan run, read only.
OPERATOR = Scope(user_id=0, role=Role.auditor, organisation_id=0)

app = typer.Typer(
    name="report",
    help="Execution reports: the daily report, plan versus actual.",
    no_args_is_help=True,
    add_completion=False,
)
kuznia.add_typer(app, name="report")
console = Console() if Console().is_terminal else Console(width=132)
errors = Console(stderr=True)
Report = TypeVar("Report")

Day = Annotated[
    datetime,
    typer.Option("--day", formats=["%Y-%m-%d"], help="The day reported (YYYY-MM-DD)."),
]
AsOf = Annotated[
    datetime,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="The day the report is as of (YYYY-MM-DD)."),
]
Excel = Annotated[
    Path | None, typer.Option("--excel", help="Also write the report as an Excel workbook.")
]


@app.command("daily")
def daily_command(
    day: Day,
    depot: Annotated[str | None, typer.Option("--depot", help="Only this depot (code).")] = None,
    excel: Excel = None,
) -> None:
    """A day at the depots: received, accepted and rejected per depot and item; production
    reported; forwarded per grouping and item; stock per depot and item at the day's end."""
    from kuznia.logistics.reports import daily_report

    report = _read(
        lambda session: daily_report(session=session, scope=OPERATOR, day=day.date(), depot=depot)
    )
    where = f"depot {depot}" if depot else "all depots"
    console.print(f"[bold]Daily report {report.day.isoformat()}[/] ({where})", highlight=False)
    sections = _daily_sections(report)
    for title, (columns, rows) in sections.items():
        _print_table(title, columns, rows)
    if excel is not None:
        _write_excel(excel, sections, DAILY_NOTES)


@app.command("plan-vs-actual")
def plan_vs_actual_command(
    as_of: AsOf,
    plan_run: Annotated[
        int | None,
        typer.Option(
            "--plan-run",
            help="The plan run for need classes (default: the newest one contracts came from).",
        ),
    ] = None,
    excel: Excel = None,
) -> None:
    """Each contract against its schedule (due to date, produced, accepted, late, at risk),
    and each need class of the plan run against what was dispatched to its grouping."""
    from kuznia.logistics.reports import plan_vs_actual

    report = _read(
        lambda session: plan_vs_actual(
            session=session, scope=OPERATOR, as_of=as_of.date(), plan_run_id=plan_run
        )
    )
    run = (
        f"plan run {report.plan_run_id} (from {report.plan_start})"
        if report.plan_run_id is not None
        else "no plan run"
    )
    console.print(
        f"[bold]Plan versus actual as of {report.as_of.isoformat()}[/]; {run}", highlight=False
    )
    sections = _plan_vs_actual_sections(report)
    for title, (columns, rows) in sections.items():
        _print_table(title, columns, rows)
    at_risk = sum(1 for row in report.contracts if row.at_risk)
    late = sum(1 for row in report.contracts if row.late > 0)
    console.print(
        f"{len(report.contracts)} contracts: {late} late, {at_risk} at risk.", highlight=False
    )
    if excel is not None:
        _write_excel(excel, sections, PLAN_VS_ACTUAL_NOTES)


# --- the tables --------------------------------------------------------------------------------

Section = tuple[list[str], list[list[Any]]]

DAILY_NOTES = {
    "Received and accepted": "What arrived at each depot on the day and how acceptance judged it "
    "(corrections netted).",
    "Produced": "Output producers reported for the day.",
    "Forwarded to groupings": "What the depots sent to each grouping on the day.",
    "Stock at end of day": "Stock per depot and item at the end of the day, from the ledger.",
}
PLAN_VS_ACTUAL_NOTES = {
    "Contracts": "Each contract in force against its current schedule: due to date counts the "
    "months before the as-of month in full and that month pro rata by day; late = due - "
    "accepted; at risk: at the pace kept so far it would not reach its whole schedule.",
    "Need classes": "Each need class of the plan run: its allocation due to date against its "
    "share of the dispatches to its grouping (shared by priority, highest first).",
}


def _daily_sections(report: DailyReport) -> dict[str, Section]:
    return {
        "Received and accepted": (
            ["Depot", "Item", "Received", "Accepted", "Rejected"],
            [[r.depot, r.item, r.received, r.accepted, r.rejected] for r in report.received],
        ),
        "Produced": (
            ["Producer", "Item", "Quantity"],
            [[r.producer, r.item, r.quantity] for r in report.produced],
        ),
        "Forwarded to groupings": (
            ["Grouping", "Item", "Quantity"],
            [[r.grouping, r.item, r.quantity] for r in report.forwarded],
        ),
        "Stock at end of day": (
            ["Depot", "Item", "Quantity"],
            [[r.depot, r.item, r.quantity] for r in report.stock],
        ),
    }


def _plan_vs_actual_sections(report: PlanVsActual) -> dict[str, Section]:
    return {
        "Contracts": (
            [
                "Contract",
                "Producer",
                "Item",
                "Status",
                "Scheduled",
                "Due to date",
                "Produced",
                "Accepted",
                "Late",
                "Projected",
                "At risk",
            ],
            [
                [
                    r.number,
                    r.producer,
                    r.item,
                    r.status.value,
                    r.scheduled_total,
                    r.scheduled_to_date,
                    r.produced_to_date,
                    r.accepted_to_date,
                    r.late,
                    r.projected_total,
                    "yes" if r.at_risk else "no",
                ]
                for r in report.contracts
            ],
        ),
        "Need classes": (
            [
                "Item",
                "Grouping",
                "Priority",
                "Operation",
                "Planned",
                "Due to date",
                "Dispatched",
                "Short",
            ],
            [
                [
                    r.item,
                    r.grouping,
                    r.priority if r.priority is not None else "beyond plan",
                    r.operation or "",
                    r.planned_total,
                    r.scheduled_to_date,
                    r.dispatched_to_date,
                    r.short,
                ]
                for r in report.need_classes
            ],
        ),
    }


def _print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    if not rows:
        console.print(f"{title}: none", highlight=False)
        return
    table = Table(title=title, title_justify="left")
    for index, column in enumerate(columns):
        numeric = any(
            isinstance(row[index], int | float) and not isinstance(row[index], bool) for row in rows
        )
        table.add_column(column, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(_shown(value) for value in row))
    console.print(table)


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if value is None:
        return "—"
    return str(value)


def _write_excel(path: Path, sections: dict[str, Section], notes: dict[str, str]) -> None:
    import pandas as pd

    from kuznia.io.excel import write_tables_workbook

    tables = {
        title: pd.DataFrame(rows, columns=columns) for title, (columns, rows) in sections.items()
    }
    write_tables_workbook(tables, notes, path)
    console.print(f"Workbook written to [bold]{path}[/]")


def _read(make: Callable[[Session], Report]) -> Report:
    """The report `make(session)` gives, read in one transaction of the configured database;
    exits 2 when it names a depot or plan run that does not exist."""
    with database() as (engine, _), session_scope(engine) as session:
        try:
            report = make(session)
        except NotFound as error:
            errors.print(f"[bold red]Not found[/]: {error.detail}", highlight=False)
            raise typer.Exit(NOTHING_DONE) from None
    return report
