"""What measuring the explanations costs a plan: `plan()` on `small` (seed 7) with the default
options (the duals' estimates) and with `SolveOptions(measure_explanations=True)` (the claims
re-solved, as `kuznia plan` and the plan-run worker do), 3 calls each: the explain stage's wall
seconds, the process's CPU seconds, and how many claims were re-solved.

    python benchmarks/explain_cost.py
"""

from __future__ import annotations

import statistics
import time

from kuznia.planning import SolveOptions, plan
from kuznia.synthetic import generate


def main() -> None:
    instance = generate("small", seed=7)
    for label, options in (
        ("default (estimates)", SolveOptions()),
        ("measure_explanations=True", SolveOptions(measure_explanations=True)),
    ):
        cpu, explain = [], []
        for _ in range(3):
            began = time.process_time()
            result = plan(instance, options=options)
            cpu.append(time.process_time() - began)
            explain.append(result.report.seconds["explain"])
        exact = sum(
            1
            for e in result.explanations
            for reason in e["reasons"]
            for claim in reason["claims"]
            if claim.get("exact")
        )
        print(
            f"{label}: explain stage {statistics.median(explain):.2f} s (median), "
            f"CPU {statistics.median(cpu):.2f} s a plan, {exact} claims re-solved"
        )


if __name__ == "__main__":
    main()
