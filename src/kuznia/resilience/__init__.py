"""Resilience: how a plan stands up to disruption, on top of the planning core.

- `scenario`: the `kuznia-scenario/1` document (named changes to an instance), read and checked;
- `disruption`: a scenario resolved to a PlanInput's arrays, and applied to an instance or arrays;
- `models`: the planning model of a disrupted input, and of the base plan's contracts held;
- `evaluation`: what a plan achieves under a disruption (re-optimised, or contracts held);
- `sampling`: random disruptions (strikes, foreign-supply shortfalls) from a seed;
- `runner`: tasks on Dask (the optional extra `kuznia[resilience]`) or serially;
- `sweep`: Monte Carlo sweeps; `robust`: the two-stage robust plan; `critical`: critical
  producers and regions, and concentration.

Like `kuznia.planning`, nothing here imports the web or the database.

    >>> from kuznia.resilience import read_scenario, apply_scenario
    >>> disrupted = apply_scenario(instance, read_scenario("east-dark.json", instance=instance))
"""

from kuznia.resilience.critical import CRITICAL_FORMAT, CriticalReport, find_critical, herfindahl
from kuznia.resilience.disruption import (
    Disruption,
    apply_disruption,
    apply_scenario,
    approximate_expansions,
    disruption_of,
    struck_expansions,
)
from kuznia.resilience.evaluation import Outcome, hold_contracts, plan_scenario, reoptimise
from kuznia.resilience.models import (
    Contracts,
    ScenarioTemplate,
    disrupted_model,
    fixed_contract_model,
    template_for,
)
from kuznia.resilience.robust import RobustPlanResult, plan_robust, solve_robust
from kuznia.resilience.runner import DaskMissing, close_client, connect, local_client
from kuznia.resilience.sampling import SweepInputError, SweepSettings, sample_disruption
from kuznia.resilience.scenario import (
    SCENARIO_FORMAT,
    Scenario,
    ScenarioError,
    check_scenario,
    dump_scenario,
    parse_scenario,
    read_scenario,
)
from kuznia.resilience.sweep import SWEEP_FORMAT, SweepSummary, run_sweep

__all__ = [
    "CRITICAL_FORMAT",
    "SCENARIO_FORMAT",
    "SWEEP_FORMAT",
    "Contracts",
    "CriticalReport",
    "DaskMissing",
    "Disruption",
    "Outcome",
    "RobustPlanResult",
    "Scenario",
    "ScenarioError",
    "ScenarioTemplate",
    "SweepInputError",
    "SweepSettings",
    "SweepSummary",
    "apply_disruption",
    "apply_scenario",
    "approximate_expansions",
    "check_scenario",
    "close_client",
    "connect",
    "disrupted_model",
    "disruption_of",
    "dump_scenario",
    "find_critical",
    "fixed_contract_model",
    "herfindahl",
    "hold_contracts",
    "local_client",
    "parse_scenario",
    "plan_robust",
    "plan_scenario",
    "read_scenario",
    "reoptimise",
    "run_sweep",
    "sample_disruption",
    "solve_robust",
    "struck_expansions",
    "template_for",
]
