"""`kuznia targets add|list|remove` and `kuznia report targets`: national targets in the
database `KUZNIA_DATABASE_URL` names, and their tracking report (target against approved plan
against accepted output, per month) as tables and, with `--excel FILE`, as a workbook.

The command line writes as the ministry's planner (its writes are in the audit chain as
`cli:<user>`) and reads as its operator. Exit codes: 0 done; 1 the database cannot be
reached; 2 it is not migrated, a field is bad (each named) or the target does not exist.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from kuznia.auth.permissions import Scope
from kuznia.cli.app import app as kuznia
from kuznia.cli.db import CLI, NOTHING_DONE, database
from kuznia.cli.execution import app as report_app
from kuznia.db.session import session_scope
from kuznia.errors import InvalidInput, NotFound
from kuznia.models import Role
from kuznia.targets import service, workbook
from kuznia.targets.schemas import TargetCreate, TargetFilters, TargetProgress

PLANNER = Scope(user_id=0, role=Role.planner, organisation_id=0)

app = typer.Typer(
    name="targets",
    help="National targets per category (or item) and month or quarter.",
    no_args_is_help=True,
    add_completion=False,
)
kuznia.add_typer(app, name="targets")
console = Console() if Console().is_terminal else Console(width=132)
errors = Console(stderr=True, soft_wrap=True)  # a refusal is one line per problem, never wrapped


@app.command("add")
def add_command(
    category: Annotated[str, typer.Option("--category", help="A category of the registry.")],
    period: Annotated[str, typer.Option("--period", help="A month YYYY-MM or a quarter YYYY-Qn.")],
    quantity: Annotated[
        float | None, typer.Option("--quantity", help="The quantity for the whole period.")
    ] = None,
    multiple: Annotated[
        float | None, typer.Option("--multiple", help="Each month x the base month's output.")
    ] = None,
    base_month: Annotated[
        str | None, typer.Option("--base-month", help="The month a multiple multiplies.")
    ] = None,
    item: Annotated[str | None, typer.Option("--item", help="Only this item.")] = None,
    note: Annotated[str, typer.Option("--note", help="Why, or whose goal.")] = "",
) -> None:
    """Set a target: `--quantity Q`, or `--multiple M --base-month YYYY-MM`."""
    fields = {
        "category": category,
        "item": item,
        "period": period,
        "quantity": quantity,
        "multiple": multiple,
        "base_month": base_month,
        "note": note,
    }
    try:
        body = TargetCreate(**fields)
    except ValidationError as error:
        _refuse([(".".join(map(str, e["loc"])), e["msg"]) for e in error.errors()])
    with database() as (engine, _), session_scope(engine, CLI) as session:
        try:
            target = service.create_target(session=session, scope=PLANNER, body=body)
        except InvalidInput as error:
            _refuse([(problem.field, problem.message) for problem in error.problems])
    console.print(f"Target {target.id}: {workbook.target_label(target)}", highlight=False)


@app.command("list")
def list_command(
    category: Annotated[str | None, typer.Option("--category", help="Only this category.")] = None,
) -> None:
    """The targets, by category and period."""
    with database() as (engine, _), session_scope(engine) as session:
        targets, _ = service.list_targets(
            session=session, scope=PLANNER, filters=TargetFilters(category=category)
        )
    if not targets:
        console.print("No targets.")
        return
    table = Table(title="Targets", title_justify="left")
    for column in ("Id", "Target", "Note"):
        table.add_column(column)
    for target in targets:
        table.add_row(str(target.id), workbook.target_label(target), target.note)
    console.print(table)


@app.command("remove")
def remove_command(target_id: Annotated[int, typer.Argument(help="The target's id.")]) -> None:
    """Remove a target (the audit chain keeps what it was)."""
    with database() as (engine, _), session_scope(engine, CLI) as session:
        try:
            service.delete_target(session=session, scope=PLANNER, target_id=target_id)
        except NotFound as error:
            errors.print(f"[bold red]Not found[/]: {error.detail}", highlight=False)
            raise typer.Exit(NOTHING_DONE) from None
    console.print(f"Removed target {target_id}.")


@report_app.command("targets")
def report_targets_command(
    as_of: Annotated[
        datetime,
        typer.Option(
            "--as-of", formats=["%Y-%m-%d"], help="The day the report is as of (YYYY-MM-DD)."
        ),
    ],
    category: Annotated[str | None, typer.Option("--category", help="Only this category.")] = None,
    excel: Annotated[
        Path | None, typer.Option("--excel", help="Also write the report as an Excel workbook.")
    ] = None,
) -> None:
    """Each target against the approved plan and the accepted output, per month, and which
    are off track and why."""
    with database() as (engine, _), session_scope(engine) as session:
        report = service.target_report(
            session=session, scope=PLANNER, as_of=as_of.date(), category=category
        )
    console.print(f"[bold]Targets as of {report.as_of.isoformat()}[/]", highlight=False)
    for target in report.targets:
        _print_target(target)
    console.print(f"{len(report.targets)} targets: {report.off_track} off track.", highlight=False)
    if excel is not None:
        workbook.write_report(report, excel)
        console.print(f"Workbook written to [bold]{excel}[/]")


def _print_target(target: TargetProgress) -> None:
    console.print(
        f"{target.id}. {workbook.target_label(target)}: {workbook.status_text(target)}",
        highlight=False,
        soft_wrap=True,
    )
    table = Table()
    for column in ("Month", "Target", "Plan", "Actual", "Growth"):
        table.add_column(column, justify="left" if column == "Month" else "right")
    for month in target.months:
        table.add_row(
            month.month,
            _shown(month.target),
            _shown(month.plan),
            _shown(month.actual),
            "" if month.growth is None else f"x{month.growth:.2f}",
        )
    console.print(table)


def _shown(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _refuse(problems: list[tuple[str, str]]) -> NoReturn:
    errors.print(f"[bold red]Invalid target[/]: {len(problems)} problem(s)", highlight=False)
    for field, message in problems:
        errors.print(f"  {field}: {message}", markup=False, highlight=False)
    errors.print("Nothing was recorded.")
    raise typer.Exit(NOTHING_DONE)
