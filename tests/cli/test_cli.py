"""The `kuznia` command: generate, validate and plan, with their files and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from kuznia.cli.main import app
from kuznia.instance import read_instance
from tests.planning.builders import instance_dict, need

REQUIRED_RESULT_KEYS = {
    "status",
    "mode",
    "tiers",
    "cost",
    "coverage",
    "deliveries",
    "payments",
    "expansions",
    "allocations",
    "explanations",
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def kuznia(runner: CliRunner, *args: str | Path):
    return runner.invoke(app, [str(arg) for arg in args])


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document))
    return path


def generated(runner: CliRunner, path: Path, size: str = "tiny", seed: int = 1) -> Path:
    result = kuznia(runner, "generate", size, "--seed", seed, "--output", path)
    assert result.exit_code == 0, result.output
    return path


class TestGenerate:
    def test_writes_a_valid_instance(self, runner, tmp_path):
        path = generated(runner, tmp_path / "f.json")
        instance = read_instance(path)
        assert instance.lines
        assert instance.items
        assert instance.funds
        assert "Wrote" in kuznia(runner, "generate", "tiny", "--output", tmp_path / "g.json").output

    def test_the_same_seed_writes_the_same_file(self, runner, tmp_path):
        first = generated(runner, tmp_path / "first.json", seed=1)
        second = generated(runner, tmp_path / "second.json", seed=1)
        assert first.read_bytes() == second.read_bytes()

    def test_another_seed_writes_another_file(self, runner, tmp_path):
        first = generated(runner, tmp_path / "first.json", seed=1)
        other = generated(runner, tmp_path / "other.json", seed=2)
        assert first.read_bytes() != other.read_bytes()


class TestValidate:
    def test_a_generated_file_is_valid(self, runner, tmp_path):
        path = generated(runner, tmp_path / "f.json")
        result = kuznia(runner, "validate", "--input", path)
        assert result.exit_code == 0
        assert "Valid" in result.output

    def test_every_problem_is_named_by_its_json_path(self, runner, tmp_path):
        doc = instance_dict()
        doc["lines"][0]["item"] = "zzz"
        doc["needs"] = [need("a", 7, 5)]  # month 7 of a 3-month horizon
        result = kuznia(runner, "validate", "--input", write(tmp_path / "bad.json", doc))
        assert result.exit_code == 2
        assert 'lines[0].item: unknown item "zzz"' in result.stderr
        assert "needs[0].month: month 7 is outside the horizon 0..2" in result.stderr


class TestPlan:
    def test_plans_a_generated_instance_to_json_and_excel(self, runner, tmp_path):
        instance = generated(runner, tmp_path / "f.json")
        output, excel = tmp_path / "r.json", tmp_path / "p.xlsx"
        result = kuznia(runner, "plan", "--input", instance, "--output", output, "--excel", excel)
        assert result.exit_code == 0, result.output
        plan = json.loads(output.read_text())
        assert set(plan) >= REQUIRED_RESULT_KEYS
        assert plan["status"] == "optimal"
        assert plan["mode"] == "lp"
        assert [tier["priority"] for tier in plan["tiers"]] == sorted(
            {n.priority for n in read_instance(instance).needs}
        )
        workbook = openpyxl.load_workbook(excel, read_only=True)
        assert "Summary" in workbook.sheetnames
        workbook.close()

    def test_the_json_holds_the_plan_in_units_and_currency(self, runner, tmp_path):
        # 10 a month; 25 needed in month 1: 20 by month 1 (5 late, defensive x3), 5 in month 2.
        doc = instance_dict(months=3, capacity=10, price=2.0)
        doc["needs"] = [need("a", 1, 25)]
        output = tmp_path / "r.json"
        result = kuznia(runner, "plan", "--input", write(tmp_path / "f.json", doc), "-o", output)
        assert result.exit_code == 0, result.output
        plan = json.loads(output.read_text())
        assert plan["tiers"] == [
            {"priority": 1, "weighted_unit_months_short": 15, "unit_months_short": 5}
        ]
        assert plan["cost"] == 50
        assert plan["coverage"]["overall"] == 1
        assert sum(d["quantity"] for d in plan["deliveries"]) == 25
        assert [(p["fund"], p["line"], p["year"], p["amount"]) for p in plan["payments"]] == [
            ("state", "l1", 2026, 50)
        ]
        assert plan["expansions"] == []

    def test_milp_mode(self, runner, tmp_path):
        doc = instance_dict(months=2, capacity=10, price=1.0)
        doc["lines"][0]["min_rate"] = 8
        doc["needs"] = [need("a", 0, 5)]
        output = tmp_path / "r.json"
        result = kuznia(
            runner,
            "plan",
            "--input",
            write(tmp_path / "f.json", doc),
            "--mode",
            "milp",
            "-o",
            output,
        )
        assert result.exit_code == 0, result.output
        plan = json.loads(output.read_text())
        assert (plan["status"], plan["mode"]) == ("optimal", "milp")
        assert plan["cost"] == 16  # 8 in each month once the line is used

    def test_milp_mode_on_a_generated_instance(self, runner, tmp_path):
        instance = generated(runner, tmp_path / "f.json")
        output = tmp_path / "r.json"
        result = kuznia(runner, "plan", "--input", instance, "--mode", "milp", "-o", output)
        assert result.exit_code == 0, result.output
        document = json.loads(output.read_text())
        assert document["mode"] == "milp"
        # the gap each stage reached, in the result and in the summary, within the asked 1e-4
        stages = document["report"]["stages"]
        assert [s["name"] for s in stages][:2] == ["tier:1", "tier:2"]
        assert all(0 <= s["mip_gap"] <= 1e-4 for s in stages if s["mip_gap"] is not None)
        assert any(s["mip_gap"] is not None for s in stages)
        assert "MIP gap reached per stage: tier:1 " in " ".join(result.output.split())

    def test_invalid_input_exits_2_names_the_path_and_writes_nothing(self, runner, tmp_path):
        doc = instance_dict()
        doc["lines"][0]["item"] = "zzz"
        output, excel = tmp_path / "r.json", tmp_path / "p.xlsx"
        bad = write(tmp_path / "bad.json", doc)
        result = kuznia(runner, "plan", "--input", bad, "--output", output, "--excel", excel)
        assert result.exit_code == 2
        assert "lines[0].item" in result.output
        assert 'unknown item "zzz"' in result.output
        assert not output.exists()
        assert not excel.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]

    def test_an_infeasible_instance_exits_3_and_names_the_conflict(self, runner, tmp_path):
        doc = instance_dict(months=2, capacity=10)
        doc["commitments"] = [{"line": "l1", "month": 1, "quantity": 20}]
        result = kuznia(runner, "plan", "--input", write(tmp_path / "f.json", doc))
        assert result.exit_code == 3
        assert "commitments[line=l1, month=1]" in result.output
        assert "20 committed" in result.output

    def test_a_tiny_time_limit_finishes_stops_with_a_plan_or_exits_4_without_output(
        self, runner, tmp_path
    ):
        instance = generated(runner, tmp_path / "small.json", size="small")
        output, excel = tmp_path / "r.json", tmp_path / "p.xlsx"
        result = kuznia(
            runner,
            "plan",
            "--input",
            instance,
            "--time-limit",
            "0.001",
            "--output",
            output,
            "--excel",
            excel,
        )
        # 0: solved in time; 4: no plan yet, nothing written; 5: the plan of the last finished
        # stage (feasible, higher tiers optimal), written with status "time_limit"
        assert result.exit_code in {0, 4, 5}, result.output
        if result.exit_code == 4:
            assert not output.exists()
            assert not excel.exists()
        else:
            expected = "optimal" if result.exit_code == 0 else "time_limit"
            assert json.loads(output.read_text())["status"] == expected

    def test_exports_surplus_and_economy_in_json_workbook_and_summary(self, runner, tmp_path):
        # need 6 in month 0 (price 1): 4 of the 10 are left for the order of 5 at 10 (40).
        doc = instance_dict(months=1, capacity=10)
        doc["producers"][0]["employees"] = 120
        doc["needs"] = [need("a", 0, 6)]
        doc["export_orders"] = [
            {"id": "x1", "item": "a", "month": 0, "quantity": 5, "price": 10.0, "buyer": "PL"}
        ]
        output, excel = tmp_path / "r.json", tmp_path / "p.xlsx"
        source = write(tmp_path / "f.json", doc)
        result = kuznia(runner, "plan", "--input", source, "-o", output, "--excel", excel)
        assert result.exit_code == 0, result.output
        plan = json.loads(output.read_text())
        assert plan["exports"] == [
            {"order": "x1", "item": "a", "month": 0, "quantity": 4, "revenue": 40}
        ]
        assert plan["export_revenue"] == 40
        assert plan["surplus"] == [{"item": "a", "month": 0, "after_plan": 0, "unconditional": 4}]
        assert plan["economy"]["by_region"] == [
            {"region": "r1", "spend": 6, "output_value": 6, "export_revenue": 40, "jobs": 120}
        ]
        assert "Exports: 1 of 1 orders served, revenue 40 USD" in result.output
        assert "Economy by region" in result.output
        workbook = openpyxl.load_workbook(excel, read_only=True)
        assert {"Exports", "Surplus", "Economy"} <= set(workbook.sheetnames)
        workbook.close()

    def test_generate_economy_adds_employees_and_export_offers(self, runner, tmp_path):
        path = tmp_path / "f.json"
        result = kuznia(runner, "generate", "tiny", "--economy", "--output", path)
        assert result.exit_code == 0, result.output
        document = json.loads(path.read_text())
        assert len(document["export_orders"]) == 1
        assert all(p["employees"] >= 20 for p in document["producers"])

    def test_generate_no_economy_leaves_them_out(self, runner, tmp_path):
        path = tmp_path / "f.json"
        result = kuznia(runner, "generate", "tiny", "--no-economy", "--output", path)
        assert result.exit_code == 0, result.output
        document = json.loads(path.read_text())
        assert "export_orders" not in document
        assert all("employees" not in p for p in document["producers"])

    def test_curve_writes_each_tiers_shortfall_per_step(self, runner, tmp_path):
        # 10 at 2 each, 10 of money: 5 short; +5 buys 2.5 more, +10 the rest
        doc = instance_dict(months=1, capacity=10, price=2.0)
        doc["funds"][0]["budget"] = {"2026": 10}
        doc["needs"] = [need("a", 0, 10)]
        source, output = write(tmp_path / "f.json", doc), tmp_path / "curve.csv"
        result = kuznia(runner, "curve", "--input", source, "--fund", "state", "--year", "2026",
                        "--max", "10", "--steps", "2", "--output", output)  # fmt: skip
        assert result.exit_code == 0, result.output
        lines = output.read_text().splitlines()
        assert lines[0] == (
            "step,extra,priority,weighted_unit_months_short,unit_months_short,"
            "closed_unit_months,cost"
        )
        assert [line.split(",")[4] for line in lines[1:]] == ["5.0", "2.5", "0.0"]
        bad = kuznia(runner, "curve", "--input", source, "--fund", "nope", "--year", "2026")
        assert bad.exit_code == 2
        assert "fund 'nope' is not in the instance" in bad.output

    def test_an_instance_without_needs_is_planned_and_written(self, runner, tmp_path):
        doc = instance_dict(months=2, capacity=10, price=3.0)
        doc["commitments"] = [{"line": "l1", "month": 1, "quantity": 4}]
        output = tmp_path / "r.json"
        result = kuznia(runner, "plan", "--input", write(tmp_path / "f.json", doc), "-o", output)
        assert result.exit_code == 0, result.output
        plan = json.loads(output.read_text())
        assert (plan["status"], plan["tiers"], plan["cost"]) == ("optimal", [], 12)
