"""Resilience benchmark: Monte Carlo sweeps on Dask with 1 and 2 workers, warm starts, and the
robust plan; writes docs/benchmarks-resilience.md.

    python benchmarks/resilience.py --output docs/benchmarks-resilience.md [--quick]

- a 200-scenario sweep of `small` and a 20-scenario sweep of `national` (seed 7 instances), each
  on a LocalCluster of 1 and of 2 worker processes (one HiGHS thread each); scaling efficiency
  t1 / (2 t2) on the scenario phase (the cluster's start is reported apart), and whether the two
  summaries are identical;
- warm starts per scenario: solve.py's stage-to-stage warm start, and the first tier from the
  base plan's first-tier basis, against cold solves;
- the robust plan of `small` for N = 10, 20, 40 scenarios: solve time and its value against the
  deterministic plan on 40 fresh scenarios.

The machine is shared and noisy: compare ratios measured in one run, not figures across runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = 7
SWEEP_SEED = 1


def sweep(size: str, scenarios: int, workers: int, *, warm: bool = False) -> dict[str, Any]:
    """One sweep of the seed-7 instance of `size` on a new LocalCluster of `workers`."""
    from kuznia.planning import PlanInput
    from kuznia.resilience import run_sweep
    from kuznia.synthetic import generate

    plan_input = PlanInput.from_instance(generate(size, seed=SEED))
    began = time.perf_counter()
    summary = run_sweep(
        plan_input=plan_input,
        scenarios=scenarios,
        seed=SWEEP_SEED,
        workers=workers,
        measure_warm_starts=warm,
    )
    document = summary.to_dict()
    execution = document.pop("execution")
    return {
        "size": size,
        "scenarios": scenarios,
        "workers": workers,
        "wall": time.perf_counter() - began,
        "seconds": execution["seconds"],
        "per_scenario": execution["seconds_per_scenario"],
        "warm_start": execution["warm_start"],
        "failed": len(document["failed"]),
        "summary": document,
        "reoptimised_seconds": [r.reoptimised.seconds for r in summary.results],
        "fixed_seconds": [r.fixed_contracts.seconds for r in summary.results],
    }


def robust(scenarios: int) -> dict[str, Any]:
    """The robust plan of `small` over `scenarios` scenarios, checked on 40 fresh ones."""
    from kuznia.planning import PlanInput
    from kuznia.resilience import plan_robust
    from kuznia.synthetic import generate

    plan_input = PlanInput.from_instance(generate("small", seed=SEED))
    began = time.perf_counter()
    result = plan_robust(plan_input=plan_input, scenarios=scenarios, seed=SWEEP_SEED)
    return {"wall": time.perf_counter() - began, "robust": result.robust}


def _f(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _sweep_rows(runs: list[dict[str, Any]]) -> list[str]:
    rows = [
        "| instance | scenarios | workers | cluster start (s) | base plan (s) | scenarios (s) "
        "| median re-optimised (s) | median contracts held (s) | failed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        seconds, per = run["seconds"], run["per_scenario"]
        rows.append(
            f"| {run['size']} | {run['scenarios']} | {run['workers']} "
            f"| {_f(seconds.get('cluster_start'))} | {_f(seconds.get('base_plan'))} "
            f"| {_f(seconds.get('tasks'))} | {_f(per['reoptimised_median'], 3)} "
            f"| {_f(per['fixed_contracts_median'], 3)} | {run['failed']} |"
        )
    return rows


def how_to_spread() -> list[str]:
    """How to spread a sweep over machines (static text of the document)."""
    return [
        "",
        "## Spreading a sweep over machines",
        "",
        "A sweep needs nothing but a Dask scheduler's address. Start the scheduler on one machine, "
        "workers on as many as there are (each with the same Kuznia installed with the "
        "`resilience` extra), and give the sweep the address:",
        "",
        "```sh",
        "dask scheduler --port 8786                       # machine A",
        "dask worker tcp://A:8786 --nworkers 8 --nthreads 1   # every worker machine: one process per core",
        "kuznia sweep --input national.json --scenarios 1000 --seed 1 \\",
        "    --scheduler tcp://A:8786 --output sweep.json  # anywhere that reaches A",
        "```",
        "",
        "One thread per worker process: each scenario is one single-threaded HiGHS solve, so "
        "processes, not threads, use the cores (and Python's GIL is never shared). The base "
        "(input, base contracts, the base plan's bases) is scattered to every worker once; "
        "a failed scenario is retried (`--retries`) and, failing still, reported by index. The "
        "summary depends on the seed alone, never on how many workers ran it. A national "
        "worker holds about 0.5 GB. `benchmarks/sweep_cluster.py` starts its workers with `--no-nanny` "
        "only so that their CPU time can be read from their own processes.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks-resilience.md")
    parser.add_argument("--quick", action="store_true", help="Fewer scenarios (a smoke run).")
    args = parser.parse_args()
    small_n, national_n = (20, 4) if args.quick else (200, 20)
    warm_small, warm_national = (5, 1) if args.quick else (30, 2)
    robust_ns = (10,) if args.quick else (10, 20, 40)
    started = time.perf_counter()

    runs = []
    for size, count in (("small", small_n), ("national", national_n)):
        for workers in (1, 2):
            print(f"sweep {size} x{count}, {workers} worker(s) ...", flush=True)
            runs.append(sweep(size, count, workers))
    print("warm starts ...", flush=True)
    warm_runs = [
        sweep("small", warm_small, 2, warm=True),
        sweep("national", warm_national, 2, warm=True),
    ]
    print("robust ...", flush=True)
    robust_runs = {n: robust(n) for n in robust_ns}

    lines = [
        "# Resilience benchmark: sweeps on Dask, warm starts, the robust plan",
        "",
        "Produced by `python benchmarks/resilience.py --output docs/benchmarks-resilience.md`"
        + (" --quick" if args.quick else "")
        + f" on {dt.datetime.now(dt.UTC).date().isoformat()} ({platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}), in {time.perf_counter() - started:,.0f} s.",
        "",
        "The machine has 2 cores and is shared with other work while this runs: read the ratios "
        "measured in one run (1 against 2 workers, warm against cold), not absolute seconds "
        "across runs. Instances: `kuznia generate small|national --seed 7`; sweep seed "
        f"{SWEEP_SEED}, default settings (strike probability 0.02 per region and month, mean "
        "strike 2 months, mean foreign shortfall 20%). Every scenario is solved twice: "
        "re-optimised (the whole lexicographic plan) and with the base plan's contracts held.",
        "",
        "## Sweeps with 1 and 2 workers",
        "",
        *_sweep_rows(runs),
        "",
        "| instance | scenarios | t1 (s) | t2 (s) | speed-up t1/t2 | scaling efficiency t1/(2 t2) "
        "| summaries identical |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for one, two in zip(runs[::2], runs[1::2], strict=True):
        t1, t2 = one["seconds"]["tasks"], two["seconds"]["tasks"]
        identical = one["summary"] == two["summary"]
        lines.append(
            f"| {one['size']} | {one['scenarios']} | {t1:,.1f} | {t2:,.1f} | {t1 / t2:.2f} "
            f"| {t1 / (2 * t2):.0%} | {'yes' if identical else 'NO'} |"
        )
    lines += [
        "",
        "t1 and t2 are the scenario phase (scatter, tasks, gathering), without starting the "
        "cluster. Two workers on two cores that other processes also use cannot reach 100%; "
        "the summary (everything but timings) must be identical whatever the number of workers.",
        "",
        "## Warm starts per scenario",
        "",
        "| instance | scenarios | lexicographic cold (s) | lexicographic from the base plan's "
        "bases (s) | same optimum | lexicographic, stage-to-stage warm (s) "
        "| first tier cold (s) | first tier from base basis (s) | first tier iterations cold "
        "| from base |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for run in warm_runs:
        warm = run["warm_start"]
        seconds, iterations = warm["median_seconds"], warm["median_iterations"]
        lines.append(
            f"| {run['size']} | {warm['scenarios']} | {seconds['lexicographic_cold']:.3f} "
            f"| {seconds['lexicographic_from_base']:.3f} "
            f"| {warm['same_optimum_from_base']} of {warm['scenarios']} "
            f"| {seconds['lexicographic_warm']:.3f} | {seconds['first_stage_cold']:.3f} "
            f"| {seconds['first_stage_from_base']:.3f} "
            f"| {iterations['first_stage_cold']:,.0f} | {iterations['first_stage_from_base']:,.0f} |"
        )
    lines += [
        "",
        "Medians per scenario. *Stage-to-stage* is solve.py's `warm_start=True` (later tiers "
        "continue from the previous stage's basis with primal simplex instead of a fresh "
        "interior-point solve). *From the base plan's bases*: each stage that begins with at "
        "least half the columns free starts from the base plan's optimal basis of that stage "
        "(same columns and rows: `kuznia.resilience.disrupted_model`; "
        "`kuznia.resilience.sweep.stage_starts`), the sweeps' default; *same optimum*: "
        "tier values and cost equal to the cold solve's within 1e-9 relative. *First tier from "
        "base basis* times the first tier alone from the base plan's first-tier basis.",
        "",
        "## Robust plan of `small`",
        "",
        "| N scenarios | model columns | solve (s) | check on 40 fresh (s) | expected tier 1 "
        "robust / deterministic | tier 2 | tier 3 | mean coverage robust / deterministic |",
        "|---:|---:|---:|---:|---|---|---|---|",
    ]
    for n, run in robust_runs.items():
        result = run["robust"]
        check = result["check"]
        r, d = check["robust"], check["deterministic"]
        wum = [
            f"{r['expected_weighted_unit_months_short'][p]:,.0f} / "
            f"{d['expected_weighted_unit_months_short'][p]:,.0f}"
            for p in ("1", "2", "3")
        ]
        lines.append(
            f"| {n} | {result['model']['columns']:,} | {result['seconds']['robust_solve']:.2f} "
            f"| {result['seconds']['check']:.2f} | {' | '.join(wum)} "
            f"| {r['coverage_mean']:.1%} / {d['coverage_mean']:.1%} |"
        )
    lines += [
        "",
        "Expected weighted unit-months short of each plan's contracts held under 40 fresh "
        "scenarios (another stream of the same seed). Tiers are lexicographic: tier 1 decides.",
        "",
        "## Per-scenario spread",
        "",
    ]
    for run in runs:
        re_times, held_times = run["reoptimised_seconds"], run["fixed_seconds"]
        if len(re_times) >= 2:
            quantiles = statistics.quantiles(re_times, n=10)
            lines.append(
                f"- {run['size']}, {run['workers']} worker(s): re-optimised P10 "
                f"{quantiles[0]:.3f} s, P90 {quantiles[-1]:.3f} s; contracts held median "
                f"{statistics.median(held_times):.3f} s."
            )
    # `benchmarks/sweep_cluster.py` writes its own section; it is carried between its markers
    lines += how_to_spread()
    previous = args.output.read_text() if args.output.exists() else ""
    for block in re.findall(
        r"<!-- sweep-cluster:[\w-]+:start -->.*?<!-- sweep-cluster:[\w-]+:end -->", previous, re.S
    ):
        lines += ["", block]
    text = "\n".join(lines) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)
    print(f"written to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
