"""A sweep spread over Dask processes started apart (`dask scheduler`, `dask worker`), the way a
sweep is spread over machines; writes its section of docs/benchmarks-resilience.md.

    python benchmarks/sweep_cluster.py --size national --scenarios 20 --workers 1 2 \
        --output docs/benchmarks-resilience.md

For each worker count: start a scheduler and that many single-threaded worker processes (each
its own `dask worker` process, as on separate machines), run the sweep against the scheduler's
address, once with scenarios started from the base plan's bases and once cold, and read the
workers' process CPU time. Scaling is measured on the scenario phase (scatter, tasks, gathering)
of the warm sweep. The machine is shared: the load average is reported beside every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import socket
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = 7
SWEEP_SEED = 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _dask() -> str:
    return str(Path(sys.executable).with_name("dask"))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its finished children (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _import_planner() -> None:
    import kuznia.resilience.sweep  # noqa: F401


def _load() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


class Cluster:
    """A `dask scheduler` and `workers` `dask worker` processes, each started on its own."""

    def __init__(self, workers: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        port = _free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        self.scheduler = subprocess.Popen(
            [_dask(), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.workers = [
            subprocess.Popen(
                [
                    _dask(),
                    "worker",
                    self.address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--no-nanny",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]

    def wait(self, count: int, timeout: float = 120.0) -> None:
        from kuznia.resilience import close_client
        from kuznia.resilience.runner import connect

        client = connect(self.address, timeout=timeout)
        try:
            client.wait_for_workers(count, timeout=timeout)
            # each worker imports the planner before the clock starts (as a long-lived one has)
            client.run(_import_planner)
        finally:
            close_client(client)

    def worker_cpu(self) -> float:
        return sum(_cpu_seconds(p.pid) for p in self.workers)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            process.terminate()
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def one_sweep(plan_input: Any, scenarios: int, cluster: Cluster, *, cold: bool) -> dict[str, Any]:
    from kuznia.resilience import run_sweep

    load, cpu = _load(), cluster.worker_cpu()
    summary = run_sweep(
        plan_input=plan_input,
        scenarios=scenarios,
        seed=SWEEP_SEED,
        scheduler=cluster.address,
        start_from_base=not cold,
    )
    document = summary.to_dict()
    execution = document.pop("execution")
    per = execution["seconds_per_scenario"]
    return {
        "cold": cold,
        "workers": execution["workers"],
        "tasks": execution["seconds"]["tasks"],
        "base_plan": execution["seconds"]["base_plan"],
        "base_cpu": execution["base_plan_cpu_seconds"],
        "reoptimised": per["reoptimised_median"],
        "reoptimised_cpu": per["reoptimised_cpu_median"],
        "held_cpu": per["fixed_contracts_cpu_median"],
        "worker_cpu": cluster.worker_cpu() - cpu,
        "failed": len(document["failed"]),
        "load_before": load,
        "load_after": _load(),
        "tiers": [r["reoptimised"]["weighted_unit_months_short"] for r in document["per_scenario"]],
        "summary": document,
    }


def _close(a: Any, b: Any, rel: float = 1e-9) -> bool:
    """Two summaries equal, numbers within `rel` relative."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], rel) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, rel) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, (int, float)):
        return abs(a - b) <= rel * max(1.0, abs(a))
    return bool(a == b)


def _write(output: Path, size: str, lines: list[str]) -> None:
    """Replace (or append) this size's section, between its markers."""
    start, end = f"<!-- sweep-cluster:{size}:start -->", f"<!-- sweep-cluster:{size}:end -->"
    text = output.read_text() if output.exists() else ""
    block = "\n".join([start, *lines, end])
    if start in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    output.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="national")
    parser.add_argument("--scenarios", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--cold-with",
        type=int,
        nargs="*",
        default=None,
        help="Worker counts to run cold too (default: every count; the flag alone: none).",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks-resilience.md")
    args = parser.parse_args()

    from kuznia.planning import PlanInput
    from kuznia.synthetic import generate

    plan_input = PlanInput.from_instance(generate(args.size, seed=SEED))
    runs = []
    for workers in args.workers:
        cluster = Cluster(workers)
        try:
            cluster.wait(workers)
            colds = (
                (False, True) if args.cold_with is None or workers in args.cold_with else (False,)
            )
            for cold in colds:
                print(
                    f"{args.size} x{args.scenarios}, {workers} worker(s), cold={cold}", flush=True
                )
                runs.append(one_sweep(plan_input, args.scenarios, cluster, cold=cold))
        finally:
            cluster.stop()

    command = (
        f"python benchmarks/sweep_cluster.py --size {args.size} --scenarios {args.scenarios} "
        f"--workers {' '.join(map(str, args.workers))}"
        + (
            f" --cold-with {' '.join(map(str, args.cold_with))}".rstrip()
            if args.cold_with is not None
            else ""
        )
    )
    lines = [
        f"## A sweep of `{args.size}` on a scheduler and workers started apart",
        "",
        f"`{command}` on {dt.datetime.now(dt.UTC).date().isoformat()}, {os.cpu_count()} cores "
        f"shared with other work. `{args.size}` (seed {SEED}), {args.scenarios} scenarios (sweep "
        f"seed {SWEEP_SEED}, default settings), each re-optimised and with the base contracts "
        "held. For each worker count a `dask scheduler` and that many `dask worker --nthreads 1` "
        "processes were started as separate processes and the sweep was given the scheduler's "
        "address (`kuznia sweep --scheduler tcp://HOST:8786`); warm: each scenario starts from "
        "the base plan's bases (the default), cold: `--cold`.",
        "",
        "| workers | start | scenario phase (s) | workers' CPU (s) | base plan CPU (s) "
        "| re-optimised median wall (s) | re-optimised median CPU (s) | ratio to the base plan "
        "(CPU) | contracts held median CPU (s) | failed | load before / after (1, 5, 15 min) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        lines.append(
            f"| {run['workers']} | {'cold' if run['cold'] else 'warm'} | {run['tasks']:,.1f} "
            f"| {run['worker_cpu']:,.1f} | {run['base_cpu']:.2f} | {run['reoptimised']:.2f} "
            f"| {run['reoptimised_cpu']:.2f} | {run['reoptimised_cpu'] / run['base_cpu']:.2f} "
            f"| {run['held_cpu']:.2f} | {run['failed']} | {run['load_before']} → "
            f"{run['load_after']} |"
        )
    warm = [r for r in runs if not r["cold"]]
    cold = [r for r in runs if r["cold"]]
    same = all(
        _close(w["summary"], c["summary"])
        for w in warm
        for c in cold
        if w["workers"] == c["workers"]
    )
    lines.append("")
    if cold:
        lines.append(
            "Summaries warm and cold equal (every figure but timings, within 1e-9 relative: the "
            f"same optimum summed along another simplex path differs in the last digits): {same}."
        )
    if len(warm) > 1:
        t1, tn = warm[0]["tasks"], warm[-1]["tasks"]
        n = warm[-1]["workers"] / warm[0]["workers"]
        lines.append(
            f"Scaling of the warm scenario phase, {warm[0]['workers']} → {warm[-1]['workers']} "
            f"workers: speed-up {t1 / tn:.2f}, efficiency {t1 / (n * tn):.0%}."
        )
    ratios = [r["reoptimised_cpu"] / r["base_cpu"] for r in warm]
    lines.append(
        f"Re-optimised scenario CPU over the base plan's CPU, warm: median "
        f"{statistics.median(ratios):.2f} (goal ≤ 0.5)."
    )
    _write(args.output, args.size, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
