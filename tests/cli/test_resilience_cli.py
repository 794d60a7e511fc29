"""`kuznia scenario apply|compare`, `kuznia sweep`, `kuznia critical` and `kuznia plan --robust`:
their files, what they print, and exit code 2 for bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kuznia.cli.main import app
from kuznia.instance import read_instance
from tests.planning.builders import instance_dict, need


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def kuznia(runner: CliRunner, *args: str | Path | int | float):
    return runner.invoke(app, [str(arg) for arg in args])


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document))
    return path


def two_regions() -> dict[str, Any]:
    """Item "a": line l1 of "p" (region r1) at price 1, line l2 of "q" (region r2) at price 2,
    10 a month each; 10 needed in each of 3 months (defensive)."""
    doc = instance_dict(months=3, capacity=10, price=1.0)
    doc["producers"].append({"id": "q", "name": "Q", "ownership": "private", "region": "r2"})
    doc["lines"].append({"id": "l2", "producer": "q", "item": "a", "capacity": 10, "price": 2.0})
    doc["needs"] = [need("a", t, 10) for t in range(3)]
    return doc


def strike_r1(name: str = "r1-dark") -> dict[str, Any]:
    return {
        "format": "kuznia-scenario/1",
        "name": name,
        "changes": [
            {"kind": "capacity_loss", "regions": ["r1"], "first_month": 1, "last_month": 1}
        ],
    }


class TestScenarioApply:
    def test_writes_the_changed_instance(self, runner, tmp_path):
        base = write(tmp_path / "base.json", two_regions())
        changes = write(tmp_path / "s.json", strike_r1())
        output = tmp_path / "out.json"
        result = kuznia(
            runner, "scenario", "apply", "--input", base, "--scenario", changes, "--output", output
        )
        assert result.exit_code == 0, result.output
        changed = read_instance(output)
        assert [line.capacity for line in changed.lines] == [[10, 0, 10], 10]
        assert changed.name == "test/r1-dark"
        assert "Applied scenario r1-dark" in result.output

    def test_a_bad_scenario_is_refused_with_every_problem_and_exit_code_2(self, runner, tmp_path):
        base = write(tmp_path / "base.json", two_regions())
        bad = strike_r1()
        bad["changes"][0]["regions"] = ["r9"]
        bad["changes"].append({"kind": "budget_change", "fund": "state", "factor": -1})
        output = tmp_path / "out.json"
        result = kuznia(
            runner,
            "scenario",
            "apply",
            "--input",
            base,
            "--scenario",
            write(tmp_path / "bad.json", bad),
            "--output",
            output,
        )
        assert result.exit_code == 2
        assert 'changes[0].regions[0]: unknown region "r9"' in result.stderr
        assert "changes[1].factor: input should be greater than or equal to 0, got -1" in (
            result.stderr
        )
        assert "Traceback" not in result.output
        assert not output.exists()


class TestScenarioCompare:
    def test_plans_base_and_scenarios_side_by_side(self, runner, tmp_path):
        base = write(tmp_path / "base.json", two_regions())
        everything = strike_r1("r1-all-year")
        everything["changes"][0].pop("last_month")
        everything["changes"][0]["first_month"] = 0
        output = tmp_path / "cmp.json"
        result = kuznia(
            runner,
            "scenario",
            "compare",
            "--input",
            base,
            "--scenario",
            write(tmp_path / "a.json", strike_r1()),
            "--scenario",
            write(tmp_path / "b.json", everything),
            "--output",
            output,
        )
        assert result.exit_code == 0, result.output
        for header in ("base", "r1-dark", "r1-all-year", "held: coverage"):
            assert header in result.output
        plans = json.loads(output.read_text())["plans"]
        assert [p["name"] for p in plans] == ["base", "r1-dark", "r1-all-year"]
        # re-planned, l2 fills in: nothing short; the cost grows by 10 units at 2 instead of 1
        assert [p["tiers"]["1"] for p in plans] == [0, 0, 0]
        assert [p["cost"] for p in plans] == [30, 40, 60]
        # base contracts held: l1 delivers nothing in the struck months, l2 was never contracted
        held = [p["base_contracts_held"] for p in plans]
        assert [h["tiers"]["1"] for h in held] == [0, 60, 180]
        assert [h["coverage"] for h in held] == pytest.approx([1, 2 / 3, 0])
        # the whole year struck: q takes over p's 10 a month, the state fund pays 60, not 30
        comparisons = json.loads(output.read_text())["comparisons"]
        assert [c["second"] for c in comparisons] == ["r1-dark", "r1-all-year"]
        year = comparisons[1]
        assert [(t["month"], t["losing"], t["gaining"]) for t in year["takeovers"]] == [
            (
                month,
                [{"producer": "p", "first": 10.0, "second": 0.0, "change": -10.0}],
                [{"producer": "q", "first": 0.0, "second": 10.0, "change": 10.0}],
            )
            for month in range(3)
        ]
        assert [(s["fund"], s["change"]) for s in year["spend"]] == [("state", 30.0)]
        assert year["reasons"][0]["text"] == "capacity of p for a struck in months 0-2 (-30 units)"
        assert "Who takes over" in result.output
        assert "state spends more in 2026 (+30)" in result.output


class TestSweep:
    def test_writes_a_summary_from_a_local_cluster(self, runner, tmp_path):
        base = write(tmp_path / "base.json", two_regions())
        output = tmp_path / "summary.json"
        result = kuznia(
            runner,
            "sweep",
            "--input",
            base,
            "--scenarios",
            4,
            "--seed",
            3,
            "--workers",
            1,
            "--strike-probability",
            0.5,
            "--output",
            output,
        )
        assert result.exit_code == 0, result.output
        summary = json.loads(output.read_text())
        assert summary["format"] == "kuznia-sweep/1"
        assert (summary["scenarios"], summary["succeeded"], summary["failed"]) == (4, 4, [])
        assert summary["execution"]["workers"] == 1
        assert summary["settings"]["strike_probability"] == 0.5
        assert set(summary["reoptimised"]["coverage"]) == {"p5", "p50", "p95", "mean"}
        assert "Expected weighted unit-months short" in result.output

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            (["--scenarios", "0"], "--scenarios: must be at least 1, got 0"),
            (["--scenarios", "5", "--workers", "0"], "--workers: must be at least 1, got 0"),
            (
                ["--scenarios", "5", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
                'give --workers or --scheduler, not both (got 2 and "tcp://127.0.0.1:1")',
            ),
            (
                ["--scenarios", "5", "--strike-probability", "1.5"],
                "--strike-probability: must be between 0 and 1, got 1.5",
            ),
            (
                ["--scenarios", "5", "--strike-months", "0.5"],
                "--strike-months: must be at least 1, got 0.5",
            ),
        ],
    )
    def test_bad_options_name_the_option_and_the_value(self, runner, tmp_path, options, message):
        base = write(tmp_path / "base.json", two_regions())
        result = kuznia(runner, "sweep", "--input", base, *options, "--output", tmp_path / "s.json")
        assert result.exit_code == 2
        assert message in " ".join(result.stderr.split())
        assert not (tmp_path / "s.json").exists()


class TestCritical:
    def test_ranks_the_producer_whose_loss_costs_most_first(self, runner, tmp_path):
        doc = two_regions()
        doc["items"].append({"id": "b", "name": "B", "category": "drones"})
        doc["lines"].append({"id": "l3", "producer": "q", "item": "b", "capacity": 5, "price": 1})
        doc["needs"] += [need("b", t, 5) for t in range(3)]
        output = tmp_path / "critical.json"
        result = kuznia(
            runner, "critical", "--input", write(tmp_path / "f.json", doc), "--output", output
        )
        assert result.exit_code == 0, result.output
        report = json.loads(output.read_text())
        # q is the only source of "b": without q, 5, 10, 15 short (x3 = 90)
        assert [p["producer"] for p in report["producers"]] == ["q", "p"]
        assert report["producers"][0]["increase_priority_1"] == 90
        concentration = {row["item"]: row for row in report["concentration"]}
        assert concentration["b"]["hhi_deliveries"] == 1
        assert "Most concentrated items" in result.output

    def test_a_negative_top_is_refused(self, runner, tmp_path):
        base = write(tmp_path / "base.json", two_regions())
        result = kuznia(runner, "critical", "--input", base, "--top", -1)
        assert result.exit_code == 2
        assert "--top: must be 0 or more, got -1" in result.stderr


class TestPlanRobust:
    def test_writes_the_robust_plan_with_its_value_against_the_deterministic_one(
        self, runner, tmp_path
    ):
        base = write(tmp_path / "base.json", two_regions())
        output = tmp_path / "robust.json"
        result = kuznia(
            runner,
            "plan",
            "--input",
            base,
            "--robust",
            5,
            "--robust-seed",
            2,
            "--robust-check",
            7,
            "--robust-check-seed",
            11,
            "--output",
            output,
        )
        assert result.exit_code == 0, result.output
        plan = json.loads(output.read_text())
        assert plan["status"] == "optimal"
        check = plan["robust"]["check"]
        saved = check["value"]["expected_weighted_unit_months_short_saved"]["1"]
        assert saved == pytest.approx(
            check["deterministic"]["expected_weighted_unit_months_short"]["1"]
            - check["robust"]["expected_weighted_unit_months_short"]["1"]
        )
        assert (plan["robust"]["scenarios"], plan["robust"]["seed"]) == (5, 2)
        assert (check["scenarios"], check["seed"]) == (7, 11)
        assert plan["robust"]["chosen"] in ("robust", "deterministic")
        assert "Robust plan (5 scenarios, seed 2)" in result.output
        assert "7 fresh scenarios (seed 11)" in result.output
        assert f"Returned: the {plan['robust']['chosen']} plan" in result.output
        assert "Warning: 5 scenarios: with fewer than 50" in " ".join(result.output.split())

    def test_robust_needs_at_least_one_scenario_and_lp(self, runner, tmp_path):
        base = write(tmp_path / "base.json", two_regions())
        result = kuznia(runner, "plan", "--input", base, "--robust", 0)
        assert result.exit_code == 2
        assert "--robust: must be at least 1 scenario, got 0" in result.stderr
        result = kuznia(runner, "plan", "--input", base, "--robust", 3, "--robust-check", 0)
        assert result.exit_code == 2
        assert "--robust-check: must be at least 1 scenario, got 0" in result.stderr
        result = kuznia(runner, "plan", "--input", base, "--robust", 3, "--mode", "milp")
        assert result.exit_code == 2
        assert '--mode must be "lp", got "milp"' in " ".join(result.stderr.split())
