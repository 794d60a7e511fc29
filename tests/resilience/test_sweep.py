"""Monte Carlo sweeps: sampling by seed and index, both evaluations, and a real Dask cluster
(LocalCluster, worker processes): the same summary with 1 and 2 workers, failed tasks retried and
reported by scenario index."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kuznia.planning import PlanInput, SolveOptions
from kuznia.planning.solve import basis_arrays, basis_from_arrays
from kuznia.resilience import (
    Contracts,
    Disruption,
    SweepInputError,
    SweepSettings,
    close_client,
    local_client,
    reoptimise,
    run_sweep,
    sample_disruption,
    template_for,
)
from kuznia.resilience.runner import Failure
from kuznia.resilience.sampling import CHECK_STREAM
from kuznia.resilience.sweep import (
    ScenarioResult,
    SweepBase,
    evaluate_scenario,
    first_stage,
    same_optimum,
    stage_starts,
)
from kuznia.synthetic import generate
from tests.planning.builders import build, instance_dict, need

STRIKES_ONLY = SweepSettings(strike_probability=0.3, foreign_shortfall_mean=0.0)


def one_producer() -> PlanInput:
    """One producer "p" in region "r1" making 10 a month; 10 needed in each of 4 months."""
    doc = instance_dict(months=4, capacity=10)
    doc["needs"] = [need("a", t, 10) for t in range(4)]
    return PlanInput.from_instance(build(doc))


@pytest.fixture(scope="module")
def client():
    """A real Dask LocalCluster with 2 worker processes, 1 thread each."""
    client = local_client(workers=2)
    yield client
    close_client(client)


class TestSampling:
    def test_a_scenario_depends_on_the_seed_and_its_index_only(self):
        plan_input = PlanInput.from_instance(generate("small", seed=7))
        settings = SweepSettings(strike_probability=0.2)
        third = sample_disruption(plan_input, settings, seed=5, index=3)
        again = sample_disruption(plan_input, settings, seed=5, index=3)
        fourth = sample_disruption(plan_input, settings, seed=5, index=4)
        fresh = sample_disruption(plan_input, settings, seed=5, index=3, stream=CHECK_STREAM)
        assert np.array_equal(third.capacity_kept, again.capacity_kept)
        assert np.array_equal(third.foreign_supply_kept, again.foreign_supply_kept)
        assert not np.array_equal(third.foreign_supply_kept, fourth.foreign_supply_kept)
        assert not np.array_equal(third.foreign_supply_kept, fresh.foreign_supply_kept)

    def test_a_strike_takes_a_whole_region_for_whole_months(self):
        plan_input = PlanInput.from_instance(generate("small", seed=7))
        settings = SweepSettings(
            strike_probability=0.0, region_strike_probability={"region-03": 1.0}
        )
        kept = sample_disruption(plan_input, settings, seed=1, index=0).capacity_kept
        region = np.asarray(plan_input.producer_region)[plan_input.line_producer]
        assert (kept[region == "region-03"] == 0).all()
        assert (kept[region != "region-03"] == 1).all()

    def test_strikes_start_with_their_probability_and_last_the_mean_length(self):
        plan_input = one_producer()
        settings = SweepSettings(strike_probability=0.05, strike_mean_months=3.0)
        struck = np.array(
            [
                sample_disruption(plan_input, settings, seed=2, index=k).capacity_kept[0] == 0
                for k in range(4000)
            ]
        )
        # month 0 is struck only by a strike starting in it
        assert struck[:, 0].mean() == pytest.approx(0.05, abs=0.01)
        # month 1: a strike starts in it, or one started in month 0 and lasts 2 months or more
        # (geometric with mean 3: probability 2/3)
        started_before = 0.05 * 2 / 3
        assert struck[:, 1].mean() == pytest.approx(
            0.05 + started_before - 0.05 * started_before, abs=0.012
        )

    def test_foreign_shortfalls_have_the_mean_asked_for(self):
        plan_input = PlanInput.from_instance(generate("small", seed=7))
        settings = SweepSettings(foreign_shortfall_mean=0.3, foreign_shortfall_concentration=4)
        kept = np.stack(
            [
                sample_disruption(plan_input, settings, seed=3, index=k).foreign_supply_kept
                for k in range(100)
            ]
        )
        assert 1 - kept.mean() == pytest.approx(0.3, abs=0.01)
        assert (kept >= 0).all()
        assert (kept <= 1).all()

    def test_settings_out_of_range_name_the_field_and_the_value(self):
        with pytest.raises(SweepInputError, match=r"^strike_probability: .* got 1.5$"):
            SweepSettings(strike_probability=1.5).check()
        with pytest.raises(SweepInputError, match=r"^strike_mean_months: .* got 0.5$"):
            SweepSettings(strike_mean_months=0.5).check()
        with pytest.raises(SweepInputError, match='unknown region "r9"'):
            SweepSettings(region_strike_probability={"r9": 0.1}).check(regions=["r1"])


class TestEvaluation:
    def test_both_evaluations_of_a_certain_strike(self):
        # region r1 (the only producer) struck every month: nothing can be made at all
        plan_input = one_producer()
        settings = SweepSettings(strike_probability=1.0, foreign_shortfall_mean=0.0)
        template = template_for(plan_input)
        _, base = reoptimise(template, Disruption.none(plan_input), options=SolveOptions())
        result = evaluate_scenario(
            0,
            base=SweepBase(
                plan_input=plan_input,
                contracts=Contracts.from_solution(template, base),
                settings=settings,
                seed=1,
                options=SolveOptions(threads=1),
            ),
        )
        # 10, 20, 30, 40 short in months 0..3: 100 unit-months, 300 weighted (defensive)
        assert result.reoptimised.weighted_unit_months_short == [pytest.approx(300)]
        assert result.fixed_contracts.weighted_unit_months_short == [pytest.approx(300)]
        assert result.reoptimised.coverage == 0
        assert result.fixed_contracts.coverage == 0
        assert result.region_months_struck == 4

    def test_the_first_tier_from_the_base_basis_reaches_the_same_optimum(self):
        plan_input = PlanInput.from_instance(generate("small", seed=7))
        template = template_for(plan_input)
        options = SolveOptions(threads=1)
        *_, basis = first_stage(template, None, options=options)
        disruption = sample_disruption(
            plan_input, SweepSettings(strike_probability=0.2), seed=1, index=0
        )
        _, cold_iterations, cold, _ = first_stage(template, disruption, options=options)
        _, _, warm, _ = first_stage(template, disruption, options=options, basis=basis)
        assert warm == pytest.approx(cold, rel=1e-9)
        assert cold_iterations > 0

    def test_a_scenario_from_the_base_plans_bases_reaches_the_cold_optimum(self):
        plan_input = PlanInput.from_instance(generate("small", seed=7))
        template = template_for(plan_input)
        options = SolveOptions(threads=1)
        _, base = reoptimise(template, Disruption.none(plan_input), options=options)
        starts = stage_starts(base, template.planning_model.model.n_cols)
        # small: every tier begins with most columns free; the cost stage does not
        assert set(starts) == {"tier:1", "tier:2", "tier:3"}
        bases = {name: basis_from_arrays(arrays) for name, arrays in starts.items()}
        settings = SweepSettings(strike_probability=0.1, foreign_shortfall_mean=0.3)
        for index in range(6):
            disruption = sample_disruption(plan_input, settings, seed=2, index=index)
            cold, cold_solution = reoptimise(template, disruption, options=options)
            warm, warm_solution = reoptimise(
                template, disruption, options=options, start_bases=bases
            )
            assert cold.status == warm.status == "optimal"
            assert warm.weighted_unit_months_short == pytest.approx(
                cold.weighted_unit_months_short, rel=1e-9, abs=1e-9
            )
            assert warm.cost == pytest.approx(cold.cost, rel=1e-9)
            assert same_optimum(cold, warm)
            # the start was taken: tier 1 is not solved from scratch
            cold_first, warm_first = cold_solution.stages[0], warm_solution.stages[0]
            assert warm_first.iterations < cold_first.iterations

    def test_a_basis_survives_the_trip_to_a_worker(self):
        plan_input = PlanInput.from_instance(generate("tiny", seed=3))
        template = template_for(plan_input)
        _, base = reoptimise(template, Disruption.none(plan_input), options=SolveOptions())
        original = base.bases["tier:1"]
        shipped = pickle.loads(pickle.dumps(basis_arrays(original)))  # noqa: S301 (our own bytes)
        again = basis_from_arrays(shipped)
        assert list(again.col_status) == list(original.col_status)
        assert list(again.row_status) == list(original.row_status)
        assert again.valid


def failing_on_two(index: int, *, base: SweepBase) -> ScenarioResult:
    """Scenario 2 always fails; the others are evaluated as usual."""
    if index == 2:
        raise RuntimeError("solver crashed on scenario 2")
    return evaluate_scenario(index, base=base)


def failing_once(index: int, *, base: SweepBase) -> ScenarioResult:
    """Scenario 1 fails on its first attempt only (a marker file remembers the attempt)."""
    marker = Path(base.plan_input.name)
    if index == 1 and not marker.exists():
        marker.write_text("failed once")
        raise RuntimeError("transient failure")
    return evaluate_scenario(index, base=base)


def comparable(summary: Any) -> dict[str, Any]:
    """The summary without how it ran (workers, seconds)."""
    document = summary.to_dict()
    document.pop("execution")
    return document


class TestOnDask:
    def test_the_same_seed_gives_the_same_summary_with_1_and_2_workers(self, client):
        plan_input = PlanInput.from_instance(generate("tiny", seed=3))
        settings = SweepSettings(strike_probability=0.3)
        with_two = run_sweep(
            plan_input=plan_input, scenarios=12, seed=11, settings=settings, client=client
        )
        with_one = run_sweep(
            plan_input=plan_input, scenarios=12, seed=11, settings=settings, workers=1
        )
        assert with_two.workers == 2
        assert with_one.workers == 1
        assert comparable(with_two) == comparable(with_one)
        assert [r.index for r in with_one.results] == list(range(12))
        other_seed = run_sweep(
            plan_input=plan_input, scenarios=12, seed=12, settings=settings, client=client
        )
        assert comparable(other_seed) != comparable(with_one)

    def test_a_failing_task_is_reported_by_its_index_and_the_rest_summarised(self, client):
        summary = run_sweep(
            plan_input=one_producer(),
            scenarios=5,
            seed=1,
            settings=STRIKES_ONLY,
            client=client,
            retries=1,
            evaluate=failing_on_two,
        )
        assert summary.failures == [
            Failure(index=2, error="RuntimeError: solver crashed on scenario 2")
        ]
        assert [r.index for r in summary.results] == [0, 1, 3, 4]
        document = summary.to_dict()
        assert document["failed"] == [
            {"scenario": 2, "error": "RuntimeError: solver crashed on scenario 2"}
        ]
        assert document["succeeded"] == 4
        assert document["reoptimised"]["evaluated"] == 4

    def test_a_task_that_fails_once_is_retried(self, client, tmp_path):
        # the task reads its marker path from the input's name (shipped with the base)
        marked = replace(one_producer(), name=str(tmp_path / "attempted"))
        summary = run_sweep(
            plan_input=marked,
            scenarios=3,
            seed=1,
            settings=STRIKES_ONLY,
            client=client,
            retries=1,
            evaluate=failing_once,
        )
        assert (tmp_path / "attempted").exists()
        assert summary.failures == []
        assert [r.index for r in summary.results] == [0, 1, 2]

    def test_the_distribution_of_a_known_set_of_strikes(self, client):
        # each scenario's strikes are known from its seed and index: compute the coverage by hand
        plan_input = one_producer()
        summary = run_sweep(
            plan_input=plan_input, scenarios=8, seed=4, settings=STRIKES_ONLY, client=client
        )
        expected = []
        for k in range(8):
            struck = sample_disruption(plan_input, STRIKES_ONLY, seed=4, index=k).capacity_kept[0]
            expected.append(1 - float((struck == 0).sum()) * 10 / 40)  # a lost month is lost
        coverage = [r.reoptimised.coverage for r in summary.results]
        assert coverage == pytest.approx(expected)
        assert [r.fixed_contracts.coverage for r in summary.results] == pytest.approx(expected)
        document = summary.to_dict()
        p5, p50, p95 = np.percentile(expected, [5, 50, 95])
        assert document["reoptimised"]["coverage"]["p5"] == pytest.approx(p5)
        assert document["reoptimised"]["coverage"]["p50"] == pytest.approx(p50)
        assert document["reoptimised"]["coverage"]["p95"] == pytest.approx(p95)
        below = np.mean(np.array(expected) < 0.8)
        assert document["fixed_contracts"]["coverage_by_category"]["shells"][
            "probability_below_threshold"
        ] == pytest.approx(below)

    def test_warm_starts_are_measured_when_asked(self, client):
        summary = run_sweep(
            plan_input=PlanInput.from_instance(generate("tiny", seed=3)),
            scenarios=3,
            seed=1,
            client=client,
            measure_warm_starts=True,
        )
        warm = summary.to_dict()["execution"]["warm_start"]
        assert warm["scenarios"] == 3
        assert warm["same_optimum_from_base"] == 3
        assert set(warm["median_seconds"]) == {
            "lexicographic_cold",
            "lexicographic_warm",
            "lexicographic_from_base",
            "first_stage_cold",
            "first_stage_from_base",
        }

    def test_bad_counts_name_the_field_and_the_value(self):
        plan_input = one_producer()
        with pytest.raises(SweepInputError, match=r"^scenarios: must be at least 1, got 0$"):
            run_sweep(plan_input=plan_input, scenarios=0, seed=1)
        with pytest.raises(SweepInputError, match=r"^workers: must be at least 1, got 0$"):
            run_sweep(plan_input=plan_input, scenarios=3, seed=1, workers=0)
