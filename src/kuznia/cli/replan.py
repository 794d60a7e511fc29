"""`kuznia replan`: the rolling re-plan. Builds the next instance from the registry and the
actual state of execution up to today (depot stock from the ledger with its opening balance,
signed contracts as commitments and guarantees as window commitments, what was dispatched and
paid under contracts in any status, expansions approved plans chose as capacity, the
remaining horizon), writes it, and plans it (README, "Execution and the re-plan").

Exit codes: those of `kuznia plan`; 2 also when the new start is outside the horizon or the
registry is empty.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kuznia.cli.app import app as kuznia
from kuznia.cli.db import CLI, NOTHING_DONE, database
from kuznia.cli.plan import Mode, plan
from kuznia.db.session import session_scope
from kuznia.instance import InstanceError, write_instance
from kuznia.instance.months import is_month, month_of
from kuznia.registry import RegistryEmptyError
from kuznia.replan import RollError, next_instance

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


@kuznia.command("replan")
def replan_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the next instance (JSON).")
    ],
    start: Annotated[
        str | None,
        typer.Option(
            "--start", help="First month of the new horizon, YYYY-MM (default: this month)."
        ),
    ] = None,
    solve: Annotated[
        bool, typer.Option("--plan/--no-plan", help="Plan the next instance once written.")
    ] = True,
    result: Annotated[
        Path | None, typer.Option("--result", help="Write the new plan's result as JSON.")
    ] = None,
    excel: Annotated[
        Path | None, typer.Option("--excel", help="Write the new plan as an Excel workbook.")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Seconds for the whole solve.")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="How many shortfalls to list.")] = 10,
) -> None:
    """Re-plan from the actual state up to today: the remaining horizon from --start, depot
    stock, signed contracts and guarantees held as commitments, needs less what was
    dispatched, approved expansions as capacity, budgets less what was paid."""
    start = start or month_of(datetime.now(UTC).date())
    if not is_month(start):
        errors.print(f'[bold red]Invalid --start[/]: "{start}" is not a month YYYY-MM.')
        raise typer.Exit(NOTHING_DONE)
    with database() as (engine, _), session_scope(engine, CLI) as session:
        try:
            replan = next_instance(session=session, start=start)
        except (RollError, RegistryEmptyError) as error:
            errors.print(f"[bold red]Nothing re-planned[/]: {error}", highlight=False)
            raise typer.Exit(NOTHING_DONE) from None
        except InstanceError as error:
            shown = "; ".join(str(problem) for problem in error.problems[:5])
            errors.print(
                f"[bold red]Nothing re-planned[/]: the next instance breaks the format: {shown}",
                highlight=False,
            )
            raise typer.Exit(NOTHING_DONE) from None
    instance, actuals = replan.instance, replan.actuals
    output.parent.mkdir(parents=True, exist_ok=True)
    write_instance(instance, output)
    committed = sum(record.quantity for record in instance.commitments)
    console.print(
        f"Wrote [bold]{output}[/]: {instance.name}, {instance.months} months from {instance.start}; "
        f"{len(actuals.contracts)} signed contract(s) and {len(actuals.guarantees)} guarantee(s) "
        f"held as {len(instance.commitments)} commitment(s) of {committed:,.0f} units; "
        + (
            f"expansion(s) {', '.join(t.expansion for t in actuals.expansions)} taken as capacity; "
            if actuals.expansions
            else ""
        )
        + (
            f"stock of {len(instance.stock)} item(s) from the depots; "
            if actuals.stock is not None
            else "stock as the registry holds it (no depot has reported); "
        )
        + f"{sum(1 for need in instance.needs if need.month == 0)} need class(es) due in the first month.",
        highlight=False,
    )
    if not solve:
        return
    plan(
        input=output,
        mode=Mode.lp,
        output=result,
        excel=excel,
        time_limit=time_limit,
        mip_gap=1e-4,
        top=top,
        robust=None,
        robust_seed=0,
    )
