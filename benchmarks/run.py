"""`make bench`: the planner's stages on national and national-x10, solver strategies, and the
same model in Pyomo and PuLP with HiGHS; writes docs/benchmarks.md.

Every measurement runs in its own process (peak memory is that process's own), and each of our
planner's runs is repeated; medians are reported. The machine is shared and noisy: compare the
ratios measured in one run, not figures across runs.

    python benchmarks/run.py --output docs/benchmarks.md [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = 7
PEER_TIME_LIMIT = 2700.0  # seconds for each peer's whole lexicographic solve


def measure_ours(
    path: str,
    method: str,
    later: str,
    warm: bool,
    time_limit: float | None = None,
    mode: str = "lp",
    mip_gap: float = 1e-4,
) -> dict[str, Any]:
    """One plan of the instance at `path` by Kuznia's planner, in this process."""
    from kuznia.instance import read_instance
    from kuznia.planning import SolveOptions, plan

    began, cpu = time.perf_counter(), time.process_time()
    instance = read_instance(path)
    validate = time.perf_counter() - began
    options = SolveOptions(
        method=method,
        later_method=later,
        warm_start=warm,
        time_limit=time_limit,
        mode=mode,  # type: ignore[arg-type]
        mip_gap=mip_gap,
    )
    result = plan(instance, options=options)
    total = time.perf_counter() - began
    return {
        "cpu": time.process_time() - cpu,
        "mip_gaps": [[s.name, s.mip_gap] for s in result.report.stages],
        "status": result.status.value,
        "validate": validate,
        "seconds": result.report.seconds,
        "total": total,
        "columns": result.report.columns,
        "rows": result.report.rows,
        "nonzeros": result.report.nonzeros,
        "tiers": [[t.priority, t.weighted_unit_months_short] for t in result.tiers],
        "cost": result.cost,
        "stages": [[s.name, s.status.value, s.iterations] for s in result.report.stages],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure_peer(path: str, peer: str) -> dict[str, Any]:
    """One lexicographic solve of the same instance by a peer formulation."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from peers import pulp_model, pyomo_model

    solve = {"pyomo": pyomo_model.solve, "pulp": pulp_model.solve}[peer]
    document = json.loads(Path(path).read_text())
    began = time.perf_counter()
    # money in millions: in currency units neither peer finished its cost stage in 30 minutes
    result = solve(document, mode="lp", money_unit=1e6, time_limit=PEER_TIME_LIMIT)
    total = time.perf_counter() - began
    return {
        "status": "optimal" if result.optimal else ",".join(result.statuses),
        "build": result.build_seconds,
        "solve": result.solve_seconds,
        "total": total,
        "tiers": [[p, v] for p, v in result.tiers],
        "cost": result.cost,
        "money_unit": result.money_unit,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def in_child(*args: str, timeout: float = 3600) -> dict[str, Any]:
    """Run one measurement in a fresh Python process; return its JSON."""
    completed = subprocess.run(
        [sys.executable, __file__, "--one", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        return {"status": f"error: {completed.stderr.strip().splitlines()[-1:]}"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def median(runs: list[dict[str, Any]], get: Any) -> float:
    return statistics.median(get(r) for r in runs)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import highspy

    version = f"{highspy.Highs().version()}" if hasattr(highspy.Highs(), "version") else "?"
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python {platform.python_version()}, "
        f"HiGHS {version}"
    )


def generate(size: str, folder: Path) -> str:
    from kuznia.instance import write_instance
    from kuznia.synthetic import generate as make

    path = folder / f"{size}.json"
    write_instance(make(size, seed=SEED), path)
    return str(path)


def tier_differences(ours: list[list[float]], peer: list[list[float]]) -> str:
    """Relative difference of each tier, peer against Kuznia ("1: 0.0e+00, 2: -4.2e-08, ...")."""
    if len(ours) != len(peer):
        return f"{len(peer)} of {len(ours)} tiers"
    return ", ".join(
        f"{int(a[0])}: {(b[1] - a[1]) / max(1.0, abs(a[1])):.1e}"
        for a, b in zip(ours, peer, strict=True)
    )


def same_tiers(a: list[list[float]], b: list[list[float]]) -> bool:
    if len(a) != len(b):
        return False
    return all(
        abs(x[1] - y[1]) <= 1e-6 * max(1.0, abs(x[1])) + 1e-6 for x, y in zip(a, b, strict=True)
    )


STAGE_ORDER = [
    "validate",
    "arrays",
    "build",
    "tier:1",
    "tier:2",
    "tier:3",
    "cost",
    "read",
    "explain",
]


def _measure_one(one: list[str]) -> dict[str, Any]:
    """One measurement in this process (the child of `in_child`)."""
    kind, *rest = one
    if kind == "ours":
        limit = float(rest[4]) if len(rest) > 4 and float(rest[4]) > 0 else None
        mode = rest[5] if len(rest) > 5 else "lp"
        gap = float(rest[6]) if len(rest) > 6 else 1e-4
        return measure_ours(*rest[:3], rest[3] == "warm", limit, mode, gap)
    return measure_peer(*rest)


def _ours_section(
    sizes: list[str], paths: dict[str, Path], repeat_national: int, x10_time_limit: float
) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
    """Kuznia's planner stage by stage on each size; the lines and the runs."""
    lines: list[str] = []
    lines += [
        "## Kuznia's planner, lp mode, stage by stage (seconds)",
        "",
        "| instance | columns | rows | nonzeros | "
        + " | ".join(STAGE_ORDER)
        + " | total | process CPU | peak MB | status |",
        "|---" * (len(STAGE_ORDER) + 8) + "|",
    ]
    ours: dict[str, list[dict[str, Any]]] = {}
    for size in sizes:
        repeat = repeat_national if size == "national" else 1
        limit = str(x10_time_limit) if size == "national-x10" else "0"
        runs = [
            in_child("ours", paths[size], "simplex", "ipm", "cold", limit) for _ in range(repeat)
        ]
        runs = [r for r in runs if "seconds" in r] or runs
        ours[size] = runs
        if "seconds" not in runs[0]:
            lines.append(f"| {size} | {runs[0]['status']} |")
            continue
        cells = []
        for stage in STAGE_ORDER:
            if stage == "validate":
                cells.append(f"{median(runs, lambda r: r['validate']):.2f}")
            else:
                cells.append(f"{median(runs, lambda r, s=stage: r['seconds'].get(s, 0.0)):.2f}")
        first = runs[0]
        lines.append(
            f"| {size} | {first['columns']:,} | {first['rows']:,} | {first['nonzeros']:,} | "
            + " | ".join(cells)
            + f" | {median(runs, lambda r: r['total']):.1f} | "
            f"{median(runs, lambda r: r['cpu']):.1f} | "
            f"{median(runs, lambda r: r['peak_mb']):.0f} | {first['status']} |"
        )
    lines += [
        "",
        "`validate` reads and checks the JSON file; `arrays` turns it into numpy arrays; `build` "
        "assembles the sparse model; `tier:p` and `cost` are the lexicographic HiGHS stages; "
        "`read` turns the solution into tables; `explain` finds the reasons and marginal values "
        "of every short need class. Iterations per stage (first run):",
        "",
    ]
    for size, runs in ours.items():
        if "stages" in runs[0]:
            stages = ", ".join(f"{n} {s} ({i:,} it.)" for n, s, i in runs[0]["stages"])
            lines.append(f"- {size}: {stages}")
    lines.append("")

    return lines, ours


def _strategies_section(path: Path, reference: dict[str, Any]) -> list[str]:
    """Each solver strategy once on national, checked against the reference optimum."""
    lines: list[str] = []
    lines += [
        "## Solver strategies on national (one run each)",
        "",
        "| first stage | later stages | total s | tier stages s | same optimum |",
        "|---|---|---|---|---|",
    ]
    for method, later, warm in [
        ("simplex", "ipm", "cold"),
        ("simplex", "simplex", "warm"),
        ("simplex", "simplex", "cold"),
        ("ipm", "ipm", "cold"),
    ]:
        run = in_child("ours", path, method, later, warm)
        if "seconds" not in run:
            lines.append(f"| {method} | {later} ({warm}) | {run['status']} | | |")
            continue
        stage_time = sum(
            v for k, v in run["seconds"].items() if k.startswith("tier:") or k == "cost"
        )
        label = (
            "primal simplex from the previous basis"
            if warm == "warm"
            else f"{later}, presolved afresh"
        )
        lines.append(
            f"| {method} | {label} | {run['total']:.1f} | {stage_time:.1f} | "
            f"{'yes' if same_tiers(run['tiers'], reference['tiers']) else 'NO'} |"
        )
    lines.append("")

    return lines


def _milp_section(path: Path, repeat: int) -> list[str]:
    """national in milp to a 1% gap: CPU time and the gap each stage reached (goal: 60 s)."""
    runs = [
        in_child("ours", path, "simplex", "ipm", "cold", "0", "milp", "0.01") for _ in range(repeat)
    ]
    runs = [r for r in runs if "seconds" in r] or runs
    lines = [
        "## national in milp, `--mip-gap 0.01` (goal: 60 s of CPU over every stage)",
        "",
        "| runs | status | solve stages s (median) | process CPU s (median) | gap reached per stage "
        "(first run) |",
        "|---:|---|---:|---:|---|",
    ]
    if "seconds" not in runs[0]:
        return [*lines, f"| {len(runs)} | {runs[0]['status']} | | | |", ""]
    stages = median(
        runs,
        lambda r: sum(v for k, v in r["seconds"].items() if k.startswith("tier:") or k == "cost"),
    )
    gaps = ", ".join(
        f"{name} {gap:.3%}" if gap is not None else f"{name} —" for name, gap in runs[0]["mip_gaps"]
    )
    lines.append(
        f"| {len(runs)} | {runs[0]['status']} | {stages:.1f} | "
        f"{median(runs, lambda r: r['cpu']):.1f} | {gaps} |"
    )
    return [*lines, ""]


def _peers_section(path: Path, ours: list[dict[str, Any]], reference: dict[str, Any]) -> list[str]:
    """The same model in Pyomo and PuLP, against Kuznia's runs on national."""
    lines: list[str] = []
    lines += [
        "## The same model in Pyomo and PuLP (HiGHS), national, lp",
        "",
        "| formulation | build s | solve s | total s | peak MB | status | tier differences from Kuznia's (relative) | cost difference |",
        "|---|---|---|---|---|---|---|---|",
    ]
    ours_total = median(ours, lambda r: r["total"])
    lines.append(
        f"| Kuznia (numpy + highspy) | {median(ours, lambda r: r['seconds']['build'] + r['seconds'].get('arrays', 0)):.2f} "
        f"| {median(ours, lambda r: sum(v for k, v in r['seconds'].items() if k.startswith('tier:') or k == 'cost')):.1f} "
        f"| {ours_total:.1f} | {median(ours, lambda r: r['peak_mb']):.0f} | optimal | — | — |"
    )
    ratios = []
    for peer in ("pyomo", "pulp"):
        run = in_child("peer", path, peer, timeout=7200)
        if "total" not in run:
            lines.append(f"| {peer} | | | | | {run['status']} | | |")
            continue
        differences = tier_differences(reference["tiers"], run["tiers"])
        cost_gap = abs(run["cost"] - reference["cost"]) / max(1.0, abs(reference["cost"]))
        lines.append(
            f"| {peer} | {run['build']:.1f} | {run['solve']:.1f} | {run['total']:.1f} | "
            f"{run['peak_mb']:.0f} | {run['status']} | {differences} | {cost_gap:.1e} |"
        )
        ratios.append(f"{peer}: {run['total'] / ours_total:.1f}x")
    lines += [
        "",
        "End-to-end ratio, peer total over Kuznia's total: " + ", ".join(ratios),
        "",
    ]

    return lines


def _carried_sections() -> list[str]:
    """The notes, and the execution-load section `make bench-execution` writes."""
    lines: list[str] = []
    notes = ROOT / "docs" / "benchmarks-notes.md"
    if notes.exists():
        lines += ["", notes.read_text().strip(), ""]
    # `make bench-execution` writes this section; it is carried here between its markers
    execution = ROOT / "docs" / "benchmarks-execution.md"
    if execution.exists():
        lines += [
            "",
            "<!-- execution-load:start -->",
            execution.read_text().strip(),
            "<!-- execution-load:end -->",
            "",
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="skip national-x10 and the peers")
    parser.add_argument("--x10-time-limit", type=float, default=1800.0)
    parser.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_measure_one(args.one)))
        return

    today = dt.datetime.now(dt.UTC).date().isoformat()
    lines = [
        "# Benchmarks",
        "",
        f"Measured {today} on {machine()} with `make bench` "
        f"(`python benchmarks/run.py --repeat {args.repeat}`), seed {SEED}, load average "
        f"{' / '.join(f'{v:.1f}' for v in os.getloadavg())} (1, 5, 15 min) at the start. "
        "Each figure is the median of the repeats, each run in a fresh process; peak memory is "
        "that process's maximum resident set. The machine is shared: read ratios within one run.",
        "",
    ]
    with tempfile.TemporaryDirectory() as folder:
        sizes = ["national"] if args.quick else ["national", "national-x10"]
        paths = {size: generate(size, Path(folder)) for size in sizes}

        ours_lines, ours = _ours_section(sizes, paths, args.repeat, args.x10_time_limit)
        lines += ours_lines
        reference = ours["national"][0]
        lines += _strategies_section(paths["national"], reference)
        lines += _milp_section(paths["national"], args.repeat)
        if not args.quick:
            lines += _peers_section(paths["national"], ours["national"], reference)

    lines += _carried_sections()
    Path(args.output).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
