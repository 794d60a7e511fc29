"""Robust against deterministic out of sample: each plan's contracts held under fresh scenarios
(a seed the robust plan never saw), with 95% confidence intervals per tier; writes the section
of docs/benchmarks-resilience.md between its markers.

    python benchmarks/robust.py --size small --scenarios 20 60 --robust-seed 0 --check 100 \\
        --check-seed 101 --output docs/benchmarks-resilience.md
    python benchmarks/robust.py --size national --scenarios 5 --check 10 --check-seed 101 \\
        --output docs/benchmarks-resilience.md

Instances: `kuznia generate SIZE --seed 7`; the robust plan's own scenarios from seed 0 (the
CLI's default `--robust-seed`) unless `--robust-seed` says otherwise, default sweep settings. The difference is robust minus
deterministic per fresh scenario (paired: both plans held under the same scenario), its mean
with a Student-t interval; a tier is decided only where that interval excludes 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
INSTANCE_SEED = 7
BEGIN = "<!-- robust-vs-deterministic:{key}:begin -->"
END = "<!-- robust-vs-deterministic:{key}:end -->"


def measure(size: str, scenarios: int, seed: int, check: int, check_seed: int) -> dict[str, Any]:
    """The robust plan of `size` over `scenarios`, checked on `check` fresh scenarios."""
    from kuznia.planning import PlanInput
    from kuznia.resilience import plan_robust
    from kuznia.synthetic import generate

    plan_input = PlanInput.from_instance(generate(size, seed=INSTANCE_SEED))
    began = time.perf_counter()
    result = plan_robust(
        plan_input=plan_input,
        scenarios=scenarios,
        seed=seed,
        check_scenarios=check,
        check_seed=check_seed,
    )
    return {"scenarios": scenarios, "wall": time.perf_counter() - began, "robust": result.robust}


def _ci(interval: dict[str, Any]) -> str:
    mean, low, high = interval["mean"], interval["low"], interval["high"]
    if low is None:
        return f"{mean:,.0f}"
    return f"{mean:,.0f} [{low:,.0f}, {high:,.0f}]"


def _diff(interval: dict[str, Any]) -> str:
    mean, low, high = interval["mean"], interval["low"], interval["high"]
    if low is None:
        return f"{mean:+,.0f}"
    verdict = "robust worse" if low > 0 else "robust better" if high < 0 else "within noise"
    return f"{mean:+,.0f} [{low:+,.0f}, {high:+,.0f}] {verdict}"


def section(size: str, runs: list[dict[str, Any]], args: argparse.Namespace, wall: float) -> str:
    command = (
        f"python benchmarks/robust.py --size {size} --scenarios "
        f"{' '.join(str(n) for n in args.scenarios)} --robust-seed {args.robust_seed} --check "
        f"{args.check} --check-seed {args.check_seed} --output docs/benchmarks-resilience.md"
    )
    key = f"{size}-{args.robust_seed}"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    tiers = list(runs[0]["robust"]["check"]["difference"])
    lines = [
        BEGIN.format(key=key),
        f"### `{size}`, robust seed {args.robust_seed}: robust against deterministic on "
        f"{args.check} fresh scenarios",
        "",
        f"Produced by `{command}` on {today} ({platform.machine()}, Python "
        f"{platform.python_version()}), in {wall:.0f} s. Instance `kuznia generate {size} --seed "
        f"{INSTANCE_SEED}`; robust scenarios seed {args.robust_seed}; check seed {args.check_seed} "
        "(another stream: scenarios the robust plan never saw). Expected weighted unit-months "
        "short with contracts held, mean [95% CI]; difference = robust - deterministic, paired "
        "per scenario.",
        "",
        "| N | tier | robust | deterministic | difference | returned |",
        "|---:|---:|---:|---:|---|---|",
    ]
    for run in runs:
        check = run["robust"]["check"]
        for k, tier in enumerate(tiers):
            robust = check["robust"]["expected_weighted_unit_months_short_interval"][tier]
            deterministic = check["deterministic"]["expected_weighted_unit_months_short_interval"][
                tier
            ]
            lines.append(
                f"| {run['scenarios']} | {tier} | {_ci(robust)} | {_ci(deterministic)} | "
                f"{_diff(check['difference'][tier])} | "
                f"{run['robust']['chosen'] if k == 0 else ''} |"
            )
    lines += [
        "",
        "| N | solve (s) | check (s) | cost robust / deterministic | mean coverage robust / "
        "deterministic | decision |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        robust = run["robust"]
        check = robust["check"]
        r, d = check["robust"], check["deterministic"]
        lines.append(
            f"| {run['scenarios']} | {robust['seconds']['robust_solve']:.1f} | "
            f"{robust['seconds']['check']:.1f} | {r['cost'] / 1e6:,.1f} M / {d['cost'] / 1e6:,.1f} M"
            f" | {r['coverage_mean']:.1%} / {d['coverage_mean']:.1%} | {robust['decision']} |"
        )
    lines.append(END.format(key=key))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="small")
    parser.add_argument("--scenarios", type=int, nargs="+", default=[20, 60])
    parser.add_argument("--robust-seed", type=int, default=0)
    parser.add_argument("--check", type=int, default=100)
    parser.add_argument("--check-seed", type=int, default=101)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--json", type=Path, help="Also write the raw figures as JSON.")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    began = time.perf_counter()
    runs = []
    for n in args.scenarios:
        print(f"{args.size}: robust over {n} scenarios ...", flush=True)
        runs.append(measure(args.size, n, args.robust_seed, args.check, args.check_seed))
    text = section(args.size, runs, args, time.perf_counter() - began)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))
    if args.output:
        document = args.output.read_text()
        key = f"{args.size}-{args.robust_seed}"
        begin, end = BEGIN.format(key=key), END.format(key=key)
        if begin in document:
            head, rest = document.split(begin, 1)
            document = head + text + rest.split(end, 1)[1]
        else:
            document = document.rstrip("\n") + "\n\n" + text + "\n"
        args.output.write_text(document)


if __name__ == "__main__":
    main()
