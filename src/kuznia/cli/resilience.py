"""`kuznia scenario apply|compare`, `kuznia sweep`, `kuznia critical`, and `plan --robust`.

Bad input (a broken scenario file, an unknown region, a count or probability out of range)
prints what is wrong, naming the field and the value, and exits with code 2.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kuznia.cli.app import app as kuznia
from kuznia.instance import Instance, InstanceError, read_instance, write_instance

INVALID_INPUT = 2  # the exit code of `kuznia plan` for invalid input (kuznia.cli.plan.ExitCode)

console = Console() if Console().is_terminal else Console(width=132)
errors = Console(stderr=True)

scenario_app = typer.Typer(
    help="Scenarios: named changes to an instance (strikes, foreign-supply cuts, budgets, needs).",
    no_args_is_help=True,
)
kuznia.add_typer(scenario_app, name="scenario", help="Scenarios: apply one, compare plans.")


def _fail(message: str, *, heading: str = "Invalid input") -> NoReturn:
    errors.print(f"[bold red]{heading}[/]: {escape(message)}", highlight=False)
    errors.print("Nothing was solved and no output was written.")
    raise typer.Exit(INVALID_INPUT)


def _read_instance(path: Path) -> Instance:
    try:
        return read_instance(path)
    except InstanceError as error:
        errors.print(f"[bold red]Invalid input[/] {path}: {len(error.problems)} problem(s)")
        for problem in error.problems:
            errors.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
        errors.print("Nothing was solved and no output was written.")
        raise typer.Exit(INVALID_INPUT) from None


def _read_scenario(path: Path, instance: Instance) -> Any:
    from kuznia.resilience import ScenarioError, read_scenario

    try:
        return read_scenario(path, instance=instance)
    except ScenarioError as error:
        errors.print(f"[bold red]Invalid scenario[/] {path}: {len(error.problems)} problem(s)")
        for problem in error.problems:
            errors.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
        errors.print("Nothing was solved and no output was written.")
        raise typer.Exit(INVALID_INPUT) from None


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n")
    console.print(f"Written to [bold]{path}[/]")


def _percent(value: float | None) -> str:
    return (
        "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1%}"
    )


def _number(value: float | None) -> str:
    return (
        "—"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:,.0f}"
    )


def _money(value: float) -> str:
    if math.isnan(value):
        return "—"
    if abs(value) >= 1e9:
        return f"{value / 1e9:,.2f} bn"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f} M"
    return f"{value:,.0f}"


# --- scenario apply / compare ------------------------------------------------------------------


@scenario_app.command("apply")
def apply_command(
    input: Path = typer.Option(..., "--input", "-i", help="Base instance (kuznia-instance/1)."),
    scenario: Path = typer.Option(..., "--scenario", "-s", help="Scenario (kuznia-scenario/1)."),
    output: Path = typer.Option(..., "--output", "-o", help="Changed instance to write."),
) -> None:
    """Write the instance with the scenario's changes applied."""
    from kuznia.resilience import apply_scenario, approximate_expansions

    instance = _read_instance(input)
    changes = _read_scenario(scenario, instance)
    changed = apply_scenario(instance, changes)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_instance(changed, output)
    console.print(
        f"Applied scenario [bold]{changes.name}[/] ({len(changes.changes)} change(s)) to "
        f"{input}; wrote [bold]{output}[/] ({changed.name})."
    )
    approximate = approximate_expansions(instance, changes)
    if approximate:
        console.print(
            f"[yellow]Note[/]: {len(approximate)} expansion(s) on struck lines "
            f"({', '.join(approximate[:5])}{', ...' if len(approximate) > 5 else ''}) are active "
            "before the strike and again after it; the format holds an expansion's added "
            "capacity as one number from its active month on, so the written file starts them "
            "after the strike: nothing struck is delivered, and the months before the strike "
            "lose them too. `kuznia scenario compare` and `kuznia sweep` keep those months."
        )


@scenario_app.command("compare")
def compare_command(
    input: Path = typer.Option(..., "--input", "-i", help="Base instance (kuznia-instance/1)."),
    scenarios: list[Path] = typer.Option(
        ..., "--scenario", "-s", help="Scenario file; give --scenario more than once to compare."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the comparison."),
    top: int = typer.Option(10, "--top", help="Rows of who takes over to print per scenario."),
) -> None:
    """Plan the base and each scenario; print them side by side (tier shortfalls, coverage per
    category, cost, coverage if the base plan's contracts are held), then for each scenario who
    takes over, spend per fund and year, and why coverage rises or falls."""
    from kuznia.planning import PlanInput, SolveOptions
    from kuznia.planning.compare import PlanTables, capacity_rows, compare_plans
    from kuznia.resilience import (
        Contracts,
        Disruption,
        disruption_of,
        plan_scenario,
        reoptimise,
        template_for,
    )

    instance = _read_instance(input)
    loaded = [_read_scenario(path, instance) for path in scenarios]
    plan_input = PlanInput.from_instance(instance)
    template = template_for(plan_input)
    options = SolveOptions(threads=1)
    _, base_solution = reoptimise(template, Disruption.none(plan_input), options=options)
    contracts = Contracts.from_solution(template, base_solution)
    columns: list[dict[str, Any]] = []
    tables: list[Any] = []
    for name, disruption in [("base", Disruption.none(plan_input))] + [
        (s.name, disruption_of(plan_input, s)) for s in loaded
    ]:
        with console.status(f"Planning {name} ..."):
            result = plan_scenario(template, disruption, options=options)
            columns.append(
                _comparison_column(name, result, template, disruption, contracts, options)
            )
        tables.append(
            PlanTables.from_result(
                result, name=name, capacity=capacity_rows(plan_input, disruption.capacity_kept)
            )
        )
    comparisons = [
        compare_plans(tables[0], other) for other in tables[1:] if not math.isnan(other.cost)
    ]
    _print_comparison(columns, plan_input.priorities, template.categories, plan_input.currency)
    for comparison in comparisons:
        _print_explanation(comparison, top=top)
    if output:
        _write_json(
            output,
            {
                "format": "kuznia-scenario-comparison/1",
                "instance": instance.name,
                "plans": _clean(columns),
                "comparisons": [c.to_dict() for c in comparisons],
            },
        )


def _comparison_column(
    name: str, result: Any, template: Any, disruption: Any, contracts: Any, options: Any
) -> dict[str, Any]:
    """One plan of `kuznia scenario compare`: re-planned, and with the base contracts held."""
    from kuznia.resilience import hold_contracts

    plan_input = template.plan_input
    held = hold_contracts(template, disruption, contracts, options=options)
    return {
        "name": name,
        "status": result.status.value,
        "tiers": {str(t.priority): t.weighted_unit_months_short for t in result.tiers},
        "coverage": result.coverage if result.has_plan else None,
        "coverage_by_category": {
            str(row.category): float(row.coverage)
            for row in result.coverage_by("category").itertuples()
        }
        if result.has_plan
        else {},
        "cost": result.cost if result.has_plan else None,
        "base_contracts_held": {
            "status": held.status,
            "coverage": held.coverage,
            "unfunded": held.unfunded,
            "tiers": {
                str(p): v
                for p, v in zip(plan_input.priorities, held.weighted_unit_months_short, strict=True)
            },
            "coverage_by_category": dict(
                zip(template.categories, held.category_coverage, strict=True)
            ),
        },
    }


def _print_explanation(comparison: Any, *, top: int) -> None:
    """Why a scenario's plan differs from the base: the verdict, spend per fund and year, and
    who takes over."""
    console.print(
        f"\n[bold]{escape(comparison.second)}[/] against base: {escape(comparison.verdict)}",
        soft_wrap=True,
    )
    moved = [s for s in comparison.spend if abs(s.change) > 0.5]
    if moved:
        spend = Table(title="Spend per fund and year", title_justify="left")
        for column in ("fund", "year", "base", comparison.second, "change"):
            spend.add_column(column, justify="left" if column == "fund" else "right")
        for s in moved:
            spend.add_row(s.fund, str(s.year), _money(s.first), _money(s.second), _money(s.change))
        console.print(spend)
    if comparison.takeovers:
        table = Table(
            title=f"Who takes over (largest {min(top, len(comparison.takeovers))} of "
            f"{len(comparison.takeovers)} item-months)",
            title_justify="left",
        )
        for column in ("item", "month", "delivering less", "delivering more"):
            table.add_column(column, justify="right" if column == "month" else "left")
        for takeover in comparison.takeovers[:top]:
            table.add_row(
                takeover.item,
                str(takeover.month),
                ", ".join(f"{s.producer} {_number(s.change)}" for s in takeover.losing) or "—",
                ", ".join(f"{s.producer} +{_number(s.change)}" for s in takeover.gaining) or "—",
            )
        console.print(table)


def _print_comparison(
    columns: list[dict[str, Any]], priorities: list[int], categories: list[str], currency: str
) -> None:
    table = Table(
        title="Base and scenarios, re-planned (held: the base plan's contracts held, only stock "
        "and allocation adapt)",
        title_justify="left",
    )
    table.add_column("")
    for column in columns:
        table.add_column(column["name"], justify="right")
    table.add_row("status", *[c["status"] for c in columns])
    for p in priorities:
        table.add_row(
            f"tier {p} weighted unit-months short",
            *[_number(c["tiers"].get(str(p))) for c in columns],
        )
    for p in priorities:
        table.add_row(
            f"  held: tier {p}",
            *[_number(c["base_contracts_held"]["tiers"].get(str(p))) for c in columns],
        )
    table.add_row(f"cost ({currency})", *[_money(c["cost"] or math.nan) for c in columns])
    table.add_row("coverage", *[_percent(c["coverage"]) for c in columns], end_section=False)
    table.add_row(
        "  held: coverage",
        *[_percent(c["base_contracts_held"]["coverage"]) for c in columns],
    )
    table.add_row(
        f"  held: contracts unfunded ({currency})",
        *[_money(c["base_contracts_held"]["unfunded"]) for c in columns],
        end_section=True,
    )
    for category in categories:
        table.add_row(
            f"coverage {category}",
            *[_percent(c["coverage_by_category"].get(category)) for c in columns],
        )
        table.add_row(
            "  held",
            *[
                _percent(c["base_contracts_held"]["coverage_by_category"].get(category))
                for c in columns
            ],
        )
    console.print(table)


# --- sweep -------------------------------------------------------------------------------------

# fields of the planning core's errors and the options that set them
_SETTING_OPTIONS = {
    "strike_probability": "--strike-probability",
    "strike_mean_months": "--strike-months",
    "foreign_shortfall_mean": "--foreign-shortfall",
    "threshold": "--threshold",
    "scenarios": "--scenarios",
    "workers": "--workers",
    "scheduler": "--scheduler",
    "retries": "--retries",
    "top": "--top",
}


def _option_error(error: Exception) -> str:
    """A core error `field: problem` as `--option: problem`."""
    field, _, problem = str(error).partition(": ")
    return f"{_SETTING_OPTIONS[field]}: {problem}" if field in _SETTING_OPTIONS else str(error)


@kuznia.command("sweep")
def sweep_command(
    input: Path = typer.Option(..., "--input", "-i", help="Instance file (kuznia-instance/1)."),
    scenarios: int = typer.Option(..., "--scenarios", "-n", help="How many scenarios to sample."),
    seed: int = typer.Option(0, "--seed", help="The same seed gives the same summary."),
    output: Path = typer.Option(..., "--output", "-o", help="Summary to write (JSON)."),
    workers: int | None = typer.Option(
        None, "--workers", "-w", help="Dask LocalCluster processes (default 2)."
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786."
    ),
    strike_probability: float = typer.Option(
        0.02, "--strike-probability", help="Chance that a strike starts, per region and month."
    ),
    strike_months: float = typer.Option(
        2.0, "--strike-months", help="Mean length of a strike in months (geometric)."
    ),
    foreign_shortfall: float = typer.Option(
        0.2, "--foreign-shortfall", help="Mean share of each foreign delivery that is missed."
    ),
    threshold: float = typer.Option(
        0.8, "--threshold", help="Coverage below which a category counts as fallen short."
    ),
    retries: int = typer.Option(2, "--retries", help="Retries of a failed scenario task."),
    measure_warm_starts: bool = typer.Option(
        False, "--measure-warm-starts", help="Also time warm starts (slower)."
    ),
    cold: bool = typer.Option(
        False, "--cold", help="Solve every scenario from scratch, not from the base plan's bases."
    ),
) -> None:
    """Monte Carlo: sample strikes and foreign-supply shortfalls, evaluate each scenario
    re-optimised and with the base plan's contracts held, on Dask."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from kuznia.planning import PlanInput
    from kuznia.resilience import DaskMissing, SweepInputError, SweepSettings, run_sweep

    if scenarios <= 0:
        _fail(f"--scenarios: must be at least 1, got {scenarios}")
    if workers is not None and workers <= 0:
        _fail(f"--workers: must be at least 1, got {workers}")
    if workers is not None and scheduler is not None:
        _fail(f'give --workers or --scheduler, not both (got {workers} and "{scheduler}")')
    if retries < 0:
        _fail(f"--retries: must be 0 or more, got {retries}")
    settings = SweepSettings(
        strike_probability=strike_probability,
        strike_mean_months=strike_months,
        foreign_shortfall_mean=foreign_shortfall,
        threshold=threshold,
    )
    try:
        settings.check()
    except SweepInputError as error:
        _fail(_option_error(error))
    instance = _read_instance(input)
    plan_input = PlanInput.from_instance(instance)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("Scenarios", total=scenarios)

        def on_progress(done: int, total: int, failed: int) -> None:
            label = "Scenarios" + (f" [red]({failed} failed)[/]" if failed else "")
            progress.update(task, completed=done, total=total, description=label)

        try:
            summary = run_sweep(
                plan_input=plan_input,
                scenarios=scenarios,
                seed=seed,
                settings=settings,
                workers=workers or 2,
                scheduler=scheduler,
                retries=retries,
                measure_warm_starts=measure_warm_starts,
                start_from_base=not cold,
                on_progress=on_progress,
            )
        except DaskMissing as error:
            progress.stop()
            _fail(str(error), heading="Not run")
        except SweepInputError as error:
            progress.stop()
            _fail(_option_error(error))
    document = summary.to_dict()
    _print_sweep(document)
    _write_json(output, document)


def _print_sweep(document: dict[str, Any]) -> None:
    where = document["execution"]
    console.print(
        f"\n[bold]{document['instance']}[/]: {document['succeeded']} of {document['scenarios']} "
        f"scenarios evaluated (seed {document['seed']}), "
        f"{where['workers']} worker(s){' at ' + where['scheduler'] if where['scheduler'] else ''}, "
        f"{where['seconds'].get('total', 0):.1f} s; on average "
        f"{document['disruptions']['mean_region_months_struck']} region-months struck, "
        f"{_percent(document['disruptions']['mean_foreign_shortfall_share'])} of foreign supply "
        "missed."
    )
    threshold = document["settings"]["threshold"]
    base = document["base"]
    re, held = document["reoptimised"], document["fixed_contracts"]
    table = Table(
        title=f"Coverage: base plan, re-optimised, base contracts held (P5 / P50 / P95; "
        f"P(< {threshold:.0%}))",
        title_justify="left",
    )
    for column in ("", "Base", "Re-optimised", "P(<)", "Contracts held", "P(<)"):
        table.add_column(column, justify="left" if not column else "right")

    def spread(d: dict[str, Any]) -> str:
        return f"{_percent(d['p5'])} / {_percent(d['p50'])} / {_percent(d['p95'])}"

    table.add_row(
        "overall",
        _percent(base["coverage"]),
        spread(re["coverage"]),
        _percent(re["probability_below_threshold"]),
        spread(held["coverage"]),
        _percent(held["probability_below_threshold"]),
        end_section=True,
    )
    for category in document["categories"]:
        r, h = re["coverage_by_category"][category], held["coverage_by_category"][category]
        table.add_row(
            category,
            _percent(base["coverage_by_category"][category]),
            spread(r),
            _percent(r["probability_below_threshold"]),
            spread(h),
            _percent(h["probability_below_threshold"]),
        )
    console.print(table)
    tiers = Table(title="Expected weighted unit-months short", title_justify="left")
    for column in ("Priority", "Base", "Re-optimised", "Contracts held"):
        tiers.add_column(column, justify="right")
    for p in document["priorities"]:
        tiers.add_row(
            str(p),
            _number(base["weighted_unit_months_short"][str(p)]),
            _number(re["expected_weighted_unit_months_short"]["by_priority"][str(p)]),
            _number(held["expected_weighted_unit_months_short"]["by_priority"][str(p)]),
        )
    console.print(tiers)
    for name, evaluation in (("re-optimised", re), ("contracts held", held)):
        if evaluation["not_optimal"]:
            listed = ", ".join(
                f"{s['scenario']} ({s['status']})" for s in evaluation["not_optimal"]
            )
            console.print(f"[yellow]Not optimal ({name})[/]: scenarios {listed}")
    if document["failed"]:
        console.print(f"[bold red]{len(document['failed'])} scenario task(s) failed[/]:")
        for failure in document["failed"]:
            console.print(f"  scenario {failure['scenario']}: {failure['error']}", markup=False)
    warm = where.get("warm_start")
    if warm:
        seconds = warm["median_seconds"]
        console.print(
            "Warm starts (median per scenario): lexicographic solve "
            f"{seconds['lexicographic_cold']:.3f} s cold, "
            f"{seconds['lexicographic_from_base']:.3f} s from the base plan's bases "
            f"(same optimum in {warm['same_optimum_from_base']} of {warm['scenarios']}), "
            f"{seconds['lexicographic_warm']:.3f} s with stage-to-stage warm start; first tier "
            f"{seconds['first_stage_cold']:.3f} s cold, "
            f"{seconds['first_stage_from_base']:.3f} s from the base plan's basis."
        )


# --- critical ----------------------------------------------------------------------------------


@kuznia.command("critical")
def critical_command(
    input: Path = typer.Option(..., "--input", "-i", help="Instance file (kuznia-instance/1)."),
    top: int = typer.Option(10, "--top", "-k", help="Producers to re-plan (the screen's top K)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report (JSON)."),
    workers: int | None = typer.Option(
        None, "--workers", "-w", help="Re-plan on a Dask LocalCluster of this many processes."
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Re-plan on the Dask scheduler at this address."
    ),
) -> None:
    """Rank producers and regions by the shortfall their loss causes; Herfindahl per item."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from kuznia.planning import PlanInput
    from kuznia.resilience import DaskMissing, SweepInputError, find_critical

    if top < 0:
        _fail(f"--top: must be 0 or more, got {top}")
    if workers is not None and workers <= 0:
        _fail(f"--workers: must be at least 1, got {workers}")
    if workers is not None and scheduler is not None:
        _fail(f'give --workers or --scheduler, not both (got {workers} and "{scheduler}")')
    instance = _read_instance(input)
    plan_input = PlanInput.from_instance(instance)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as progress:
        task = progress.add_task("Re-plans without a producer or region", total=None)

        def on_progress(done: int, total: int, _failed: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = find_critical(
                plan_input=plan_input,
                top=top,
                workers=workers,
                scheduler=scheduler,
                on_progress=on_progress,
            )
        except DaskMissing as error:
            progress.stop()
            _fail(str(error), heading="Not run")
        except SweepInputError as error:
            progress.stop()
            _fail(_option_error(error))
    _print_critical(report)
    if output:
        _write_json(output, report.to_dict())


def _print_critical(report: Any) -> None:
    priorities = report.priorities
    console.print(f"\n[bold]{report.name}[/]: {report.note}")
    producers = Table(
        title="Producers by the shortfall their loss causes (increase of weighted unit-months "
        "short per tier)",
        title_justify="left",
    )
    for column in ("Rank", "Producer", "Region", "Largest item share", "Re-planned"):
        producers.add_column(column, justify="right" if column == "Rank" else "left")
    for p in priorities:
        producers.add_column(f"+ tier {p}", justify="right")
    producers.add_column("Coverage drop", justify="right")
    for row in report.producers.head(
        max(15, int(report.producers["replanned"].sum()))
    ).itertuples():
        producers.add_row(
            str(row.rank),
            str(row.producer),
            str(row.region),
            f"{row.largest_item_share:.0%} of {row.largest_item}" if row.largest_item else "—",
            "yes" if row.replanned else "screen only",
            *[_number(getattr(row, f"increase_priority_{p}")) for p in priorities],
            _percent(row.coverage_drop),
        )
    console.print(producers)
    regions = Table(title="Regions by the shortfall their loss causes", title_justify="left")
    for column in ("Rank", "Region", "Producers"):
        regions.add_column(column, justify="left" if column == "Region" else "right")
    for p in priorities:
        regions.add_column(f"+ tier {p}", justify="right")
    regions.add_column("Coverage drop", justify="right")
    for row in report.regions.itertuples():
        regions.add_row(
            str(row.rank),
            str(row.region),
            str(row.producers),
            *[_number(getattr(row, f"increase_priority_{p}")) for p in priorities],
            _percent(row.coverage_drop),
        )
    console.print(regions)
    items = Table(
        title="Most concentrated items (Herfindahl: 1 = single source)", title_justify="left"
    )
    for column in ("Item", "Category", "Producers", "HHI plan", "HHI capacity", "Top producer"):
        items.add_column(
            column, justify="right" if "HHI" in column or column == "Producers" else "left"
        )
    for row in report.concentration.head(10).itertuples():
        items.add_row(
            str(row.item),
            str(row.category),
            str(row.producers),
            "—" if math.isnan(row.hhi_deliveries) else f"{row.hhi_deliveries:.2f}",
            "—" if math.isnan(row.hhi_capacity) else f"{row.hhi_capacity:.2f}",
            f"{row.top_producer} ({row.top_share:.0%})" if row.top_producer else "—",
        )
    console.print(items)
    for failure in report.failures:
        console.print(f"[bold red]failed[/] task {failure.index}: {failure.error}", markup=False)


# --- plan --robust -----------------------------------------------------------------------------


def robust_plan(
    instance: Any,
    *,
    scenarios: int,
    seed: int,
    options: Any,
    check_scenarios: int = 40,
    check_seed: int | None = None,
    on_progress: Any = None,
) -> Any:
    """`kuznia plan --robust N`: the robust plan as a PlanResult (exit 2 on bad options)."""
    from dataclasses import replace

    from kuznia.planning import PlanInput
    from kuznia.resilience import SweepInputError, plan_robust

    if scenarios <= 0:
        _fail(f"--robust: must be at least 1 scenario, got {scenarios}")
    if check_scenarios <= 0:
        _fail(f"--robust-check: must be at least 1 scenario, got {check_scenarios}")
    if options.mode != "lp":
        _fail(f'--robust: the robust plan is an LP; --mode must be "lp", got "{options.mode}"')
    try:
        return plan_robust(
            plan_input=PlanInput.from_instance(instance),
            scenarios=scenarios,
            seed=seed,
            check_scenarios=check_scenarios,
            check_seed=check_seed,
            options=replace(options, threads=1),
            on_progress=on_progress,
        )
    except SweepInputError as error:
        _fail(str(error))


def print_robust(result: Any) -> None:
    """The robust plan's value against the deterministic plan on fresh scenarios, with the
    confidence interval of each tier's paired difference, and which plan was returned."""
    robust = getattr(result, "robust", None)
    if not robust or "check" not in robust:
        return
    check = robust["check"]
    seed = f"seed {check['seed']}" if check.get("seed") is not None else "given"
    table = Table(
        title=f"Robust plan ({robust['scenarios']} scenarios, seed {robust['seed']}) against the "
        f"deterministic plan on {check['scenarios']} fresh scenarios ({seed}), contracts held",
        title_justify="left",
    )
    confidence = f"{check.get('confidence', 0.95):.0%}"
    for column in ("", "Robust", "Deterministic", f"Robust - deterministic ({confidence} CI)"):
        table.add_column(column, justify="left" if not column else "right")
    for p, value in check["robust"]["expected_weighted_unit_months_short"].items():
        difference = check.get("difference", {}).get(p, {})
        table.add_row(
            f"expected tier {p} weighted unit-months short",
            _number(value),
            _number(check["deterministic"]["expected_weighted_unit_months_short"][p]),
            _interval_text(difference),
        )
    table.add_row(
        "mean coverage",
        _percent(check["robust"]["coverage_mean"]),
        _percent(check["deterministic"]["coverage_mean"]),
        "",
    )
    table.add_row(
        "P5 coverage",
        _percent(check["robust"]["coverage_p5"]),
        _percent(check["deterministic"]["coverage_p5"]),
        "",
    )
    table.add_row(
        "cost of contracts",
        _money(check["robust"]["cost"]),
        _money(check["deterministic"]["cost"]),
        _money(check["value"]["extra_cost"]),
    )
    console.print(table)
    if "chosen" in robust:
        console.print(
            f"Returned: the [bold]{robust['chosen']}[/] plan ({escape(robust['decision'])}).",
            soft_wrap=True,
        )
    for warning in robust.get("warnings", []):
        console.print(f"[yellow]Warning[/]: {escape(warning)}", soft_wrap=True)


def _interval_text(difference: dict[str, Any]) -> str:
    mean, low, high = difference.get("mean"), difference.get("low"), difference.get("high")
    if mean is None:
        return "—"
    if low is None or high is None:
        return f"{mean:+,.0f}"
    return f"{mean:+,.0f} [{low:+,.0f}, {high:+,.0f}]"


def _clean(value: Any) -> Any:
    """NaN to None, recursively, for JSON."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, float):
        return round(value, 9)
    return value
