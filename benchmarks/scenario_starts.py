"""Scenarios re-optimised cold and from the base plan's bases, in this process, by CPU time.

    python benchmarks/scenario_starts.py --size national --scenarios 3

Prints, per scenario, each stage's seconds and iterations, the process CPU time of the
lexicographic solve cold and from the base plan's bases (`kuznia.resilience.sweep.stage_starts`),
their ratio to the base plan's own CPU time, and whether tier values and cost agree (1e-9).
"""

from __future__ import annotations

import argparse
import os
import statistics

ROOT_SEED = 7
SWEEP_SEED = 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="national")
    parser.add_argument("--scenarios", type=int, default=3)
    args = parser.parse_args()

    from kuznia.planning import PlanInput, SolveOptions
    from kuznia.planning.solve import basis_from_arrays
    from kuznia.resilience import (
        Disruption,
        SweepSettings,
        reoptimise,
        sample_disruption,
        template_for,
    )
    from kuznia.resilience.sweep import same_optimum, stage_starts
    from kuznia.synthetic import generate

    print("load average (1, 5, 15 min):", " / ".join(f"{v:.1f}" for v in os.getloadavg()))
    plan_input = PlanInput.from_instance(generate(args.size, seed=ROOT_SEED))
    template = template_for(plan_input)
    options = SolveOptions(threads=1)
    base, solution = reoptimise(template, Disruption.none(plan_input), options=options)
    starts = stage_starts(solution, template.planning_model.model.n_cols)
    bases = {name: basis_from_arrays(arrays) for name, arrays in starts.items()}
    print(f"base plan: {base.cpu_seconds:.2f} s CPU; stages started from it: {sorted(starts)}")
    ratios = []
    for index in range(args.scenarios):
        disruption = sample_disruption(plan_input, SweepSettings(), seed=SWEEP_SEED, index=index)
        cold, cold_solution = reoptimise(template, disruption, options=options)
        warm, warm_solution = reoptimise(template, disruption, options=options, start_bases=bases)
        ratios.append(warm.cpu_seconds / base.cpu_seconds)
        for label, outcome, solved in (
            ("cold", cold, cold_solution),
            ("from base", warm, warm_solution),
        ):
            stages = ", ".join(
                f"{s.name} {s.seconds:.2f} s {s.iterations:,} it." for s in solved.stages
            )
            print(f"scenario {index} {label}: {outcome.cpu_seconds:.2f} s CPU ({stages})")
        print(
            f"scenario {index}: from base / cold {warm.cpu_seconds / cold.cpu_seconds:.2f}, "
            f"from base / base plan {ratios[-1]:.2f}, same optimum {same_optimum(cold, warm)}"
        )
    print(f"median from base / base plan (CPU): {statistics.median(ratios):.2f}")
    print("load average (1, 5, 15 min):", " / ".join(f"{v:.1f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
