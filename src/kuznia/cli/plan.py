"""`kuznia generate`, `kuznia validate` and `kuznia plan`: instances on files, no database."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from kuznia.cli.app import app as kuznia
from kuznia.cli.resilience import print_robust, robust_plan
from kuznia.cli.summary import print_summary
from kuznia.instance import InstanceError, read_instance, write_instance

# Piped output (a log, CI) gets a readable width instead of Rich's 80-column fallback.
console = Console() if Console().is_terminal else Console(width=132)
errors = Console(stderr=True)


class ExitCode:
    """Exit codes of `kuznia plan` (and of the other commands where they apply)."""

    OPTIMAL = 0
    INVALID_INPUT = 2
    INFEASIBLE = 3
    NO_SOLUTION_IN_TIME = 4
    STOPPED_WITH_PLAN = 5  # time limit with a feasible plan: written, not proven optimal


class Size(StrEnum):
    tiny = "tiny"
    small = "small"
    national = "national"
    national_x10 = "national-x10"


class Mode(StrEnum):
    lp = "lp"
    milp = "milp"


def _read(path: Path) -> object:
    try:
        return read_instance(path)
    except InstanceError as error:
        errors.print(f"[bold red]Invalid input[/] {path}: {len(error.problems)} problem(s)")
        for problem in error.problems:
            errors.print(f"  {problem}", markup=False, highlight=False)
        errors.print("Nothing was solved and no output was written.")
        raise typer.Exit(ExitCode.INVALID_INPUT) from None


@kuznia.command()
def generate(
    size: Size = typer.Argument(..., help="tiny, small, national or national-x10"),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed gives the same data."),
    output: Path = typer.Option(
        ...,
        "--output",
        "-o",
        help="Instance file to write (JSON), or a registry workbook (.xlsx) that also names "
        "each foreign delivery's supplier country (for `kuznia import`).",
    ),
    economy: bool = typer.Option(
        True,
        "--economy/--no-economy",
        help="Producers' employees and a few export offers (on by default).",
    ),
) -> None:
    """Generate a synthetic, illustrative planning instance (kuznia-instance/1), or its
    registry workbook with synthetic supplier countries of the foreign supply."""
    from kuznia.synthetic import generate as make
    from kuznia.synthetic import supplier_countries

    began = time.perf_counter()
    instance = make(size.value, seed=seed, economy=economy)
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() == ".xlsx":
        from kuznia.io.workbook import write_registry_workbook

        countries = supplier_countries(instance, seed=seed)
        write_registry_workbook(instance, output, supplier_countries=countries)
    else:
        write_instance(instance, output)
    console.print(
        f"Wrote [bold]{output}[/]: {len(instance.producers)} producers, {len(instance.lines)} lines, "
        f"{len(instance.items)} items, {len(instance.groupings)} groupings, {instance.months} months, "
        f"{len(instance.funds)} funds ({time.perf_counter() - began:.1f} s)."
    )


@kuznia.command()
def validate(
    input: Path = typer.Option(..., "--input", "-i", help="Instance file (kuznia-instance/1)."),
) -> None:
    """Check an instance file and report every problem with its JSON path."""
    instance = _read(input)
    console.print(f"[green]Valid[/]: {input} ({type(instance).__name__}).")


@kuznia.command()
def plan(
    input: Path = typer.Option(..., "--input", "-i", help="Instance file (kuznia-instance/1)."),
    mode: Mode = typer.Option(Mode.lp, "--mode", help="lp, or milp (whole expansions, min rates)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the result as JSON."),
    excel: Path | None = typer.Option(None, "--excel", help="Write the plan as an Excel workbook."),
    time_limit: float | None = typer.Option(
        None, "--time-limit", help="Seconds for the whole solve."
    ),
    mip_gap: float = typer.Option(1e-4, "--mip-gap", help="Relative MIP gap (milp)."),
    top: int = typer.Option(10, "--top", help="How many shortfalls to list."),
    robust: int | None = typer.Option(
        None, "--robust", help="Robust plan over N sampled strike/foreign-supply scenarios."
    ),
    robust_seed: int = typer.Option(0, "--robust-seed", help="Seed of the robust scenarios."),
    robust_check: int = typer.Option(
        40, "--robust-check", help="Fresh scenarios the robust plan is checked on (out of sample)."
    ),
    robust_check_seed: int | None = typer.Option(
        None, "--robust-check-seed", help="Seed of the check's scenarios (default: --robust-seed)."
    ),
) -> None:
    """Plan an instance: cover the most important needs first, then at the least cost.

    Exit codes: 0 optimal, 2 invalid input (nothing solved), 3 infeasible (conflicts named),
    4 time limit without a solution (nothing written), 5 time limit with a feasible plan that is
    not proven optimal (written).
    """
    from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

    from kuznia.planning import SolveOptions, SolveStatus
    from kuznia.planning import plan as run_plan

    labels = {
        "validate": "Validate input",
        "arrays": "Read into arrays",
        "build": "Build model",
        "cost": "Minimise cost (tiers held)",
        "exports": "Maximise export revenue (tiers and cost held)",
        "surplus": "Surplus: the plan with unlimited funds",
        "explain": "Explain shortfalls",
        "diagnose": "Find conflicting constraints",
    }
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def on_progress(stage: str, event: str) -> None:
            label = labels.get(stage) or f"Priority tier {stage.split(':')[1]}: minimise shortfall"
            if event == "start":
                tasks[stage] = progress.add_task(label, total=1)
            else:
                suffix = "" if event in ("done", "optimal") else f" [{event}]"
                progress.update(tasks[stage], completed=1, description=label + suffix)

        on_progress("validate", "start")
        instance = _read(input)
        on_progress("validate", "done")
        options = SolveOptions(
            mode=mode.value, time_limit=time_limit, mip_gap=mip_gap, measure_explanations=True
        )
        if robust is None:
            result = run_plan(instance, options=options, on_progress=on_progress)  # type: ignore[arg-type]
        else:
            result = robust_plan(
                instance,
                scenarios=robust,
                seed=robust_seed,
                check_scenarios=robust_check,
                check_seed=robust_check_seed,
                options=options,
                on_progress=on_progress,
            )

    print_summary(console, result, top=top)
    if robust is not None:
        print_robust(result)
    if result.status == SolveStatus.INFEASIBLE:
        raise typer.Exit(ExitCode.INFEASIBLE)
    if not result.has_plan:
        console.print(
            f"[bold red]No plan: {result.report.message or result.status.value}.[/] Nothing was written."
        )
        raise typer.Exit(ExitCode.NO_SOLUTION_IN_TIME)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(result.to_dict(), indent=1, ensure_ascii=False))
        console.print(f"Result written to [bold]{output}[/]")
    if excel:
        from kuznia.io.excel import write_plan_workbook

        write_plan_workbook(result, excel)
        console.print(f"Workbook written to [bold]{excel}[/]")
    if result.status != SolveStatus.OPTIMAL:
        console.print(
            "[bold yellow]The time limit stopped the solve: this plan is feasible but not proven "
            "optimal (in lp: the plan of the last stage that finished).[/]"
        )
        raise typer.Exit(ExitCode.STOPPED_WITH_PLAN)


@kuznia.command()
def curve(
    input: Path = typer.Option(..., "--input", "-i", help="Instance file (JSON)."),
    fund: str = typer.Option(..., "--fund", help="The fund whose budget grows (its id)."),
    year: int = typer.Option(..., "--year", help="The budget year that grows."),
    maximum: float = typer.Option(
        500e6, "--max", min=0.0, help="The most extra money (the instance's currency)."
    ),
    steps: int = typer.Option(10, "--steps", min=1, max=100, help="Equal steps up to --max."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the table as CSV."),
    mode: Mode = typer.Option(Mode.lp, "--mode", help="lp or milp."),
) -> None:
    """Money curve: each tier's shortfall with 0 to --max more of a fund's money in a year."""
    from kuznia.planning import SolveOptions
    from kuznia.planning.curves import money_curve

    instance = _read(input)
    began = time.perf_counter()
    try:
        table = money_curve(
            instance,  # type: ignore[arg-type]
            fund=fund,
            year=year,
            maximum=maximum,
            steps=steps,
            options=SolveOptions(mode=mode.value),
        )
    except ValueError as error:
        errors.print(f"[bold red]Cannot draw the curve[/]: {error}", highlight=False)
        raise typer.Exit(ExitCode.INVALID_INPUT) from None
    shown = Table(
        title=f"Shortfall by tier with more of fund {fund} in {year}", title_justify="left"
    )
    for column in ("Extra", "Tier", "Weighted short", "Unit-months short", "Closed", "Cost"):
        shown.add_column(column, justify="right")
    for row in table.itertuples():
        shown.add_row(
            f"{row.extra:,.0f}",
            str(row.priority),
            f"{row.weighted_unit_months_short:,.0f}",
            f"{row.unit_months_short:,.0f}",
            f"{row.closed_unit_months:,.0f}",
            f"{row.cost:,.0f}",
        )
    console.print(shown)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(output, index=False)
        console.print(f"Curve written to {output}")
    console.print(f"{steps + 1} solves in {time.perf_counter() - began:.1f} s.")
