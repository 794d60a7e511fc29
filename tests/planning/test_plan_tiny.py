"""The planner on tiny instances whose optimum is computed by hand, one constraint family each."""

from __future__ import annotations

import math

import pytest

from kuznia.planning import SolveOptions, SolveStatus, plan
from tests.planning.builders import build, instance_dict, need

# The explanations as the pages and the CLI show them: every claim measured by re-solve.
MEASURED = SolveOptions(measure_explanations=True)


def reasons(result, item: str) -> dict[str, dict]:
    (explanation,) = [e for e in result.explanations if e["item"] == item]
    return {r["code"]: r for r in explanation["reasons"]}


class TestCapacity:
    def test_capacity_short_is_backlogged_and_served_late(self):
        # 10 a month; 25 needed in month 1: 20 by month 1 (5 late), the rest in month 2.
        doc = instance_dict(months=3, capacity=10)
        doc["needs"] = [need("a", 1, 25)]
        result = plan(build(doc))
        assert result.status == SolveStatus.OPTIMAL
        (tier,) = result.tiers
        assert math.isclose(tier.unit_months_short, 5, abs_tol=1e-6)
        assert math.isclose(tier.weighted_unit_months_short, 15, abs_tol=1e-6)  # defensive x3
        assert math.isclose(result.cost, 25, rel_tol=1e-9)
        assert math.isclose(result.coverage, 1.0)

    def test_capacity_reason_names_the_line_and_what_a_unit_is_worth(self):
        doc = instance_dict(months=2, capacity=10)
        doc["needs"] = [need("a", 1, 25)]
        result = plan(build(doc), options=MEASURED)
        capacity = reasons(result, "a")["capacity"]
        assert capacity["line"] == "l1"
        # one more unit in month 0 or 1 saves one unit-month at the horizon end: 3 (defensive)
        (month,) = [c for c in capacity["claims"] if c["kind"] == "capacity_month"]
        assert month["effects"] == [{"priority": 1, "change": -3.0}]
        assert set(reasons(result, "a")) == {"capacity"}

    def test_backlog_at_the_horizon_end_counts_in_the_last_month_only(self):
        doc = instance_dict(months=2, capacity=0)
        doc["needs"] = [need("a", 0, 4, operation="stabilization")]
        (tier,) = plan(build(doc)).tiers
        assert math.isclose(tier.unit_months_short, 8)  # 4 in month 0, 4 in month 1
        assert math.isclose(tier.weighted_unit_months_short, 8)


class TestLeadTime:
    def test_nothing_arrives_before_the_lead_time(self):
        doc = instance_dict(months=3, capacity=10, lead_time=2)
        doc["needs"] = [need("a", 0, 10)]
        result = plan(build(doc), options=MEASURED)
        (tier,) = result.tiers
        assert math.isclose(tier.unit_months_short, 20)  # short in months 0 and 1
        assert list(result.deliveries["month"]) == [2]
        lead = reasons(result, "a")["lead_time"]
        assert lead["lines"] == [{"line": "l1", "lead_time": 2, "first_month": 2}]

    def test_committed_deliveries_arrive_inside_the_lead_time(self):
        doc = instance_dict(months=3, capacity=10, lead_time=2)
        doc["needs"] = [need("a", 0, 10)]
        doc["commitments"] = [{"line": "l1", "month": 0, "quantity": 6}]
        (tier,) = plan(build(doc)).tiers
        assert math.isclose(tier.unit_months_short, 8)  # 4 short in months 0 and 1


class TestBudget:
    def test_budget_limits_deliveries(self):
        doc = instance_dict(months=1, capacity=10, price=2.0, budget=10)
        doc["needs"] = [need("a", 0, 10)]
        result = plan(build(doc), options=MEASURED)
        assert math.isclose(result.tiers[0].unit_months_short, 5)
        assert math.isclose(result.cost, 10)
        budget = reasons(result, "a")["budget"]
        assert budget["fund"] == "state"
        assert budget["year"] == 2026
        # a million more would buy 500,000 units at 2 each (the dual's 3 * 5e5 a million), but
        # the line makes 10: measured, it buys the 5 short, 15 defensive unit-months
        assert budget["claims"][0]["effects"] == [{"priority": 1, "change": -15.0}]

    def test_a_delivery_is_paid_in_its_calendar_year(self):
        # start 2026-12: month 0 is in 2026, month 1 in 2027, which has no budget.
        doc = instance_dict(months=2, capacity=10, price=1.0, budget=100)
        doc["start"] = "2026-12"
        doc["needs"] = [need("a", 1, 15)]
        result = plan(build(doc))
        assert list(result.deliveries["month"]) == [0]
        assert math.isclose(result.tiers[0].unit_months_short, 5)
        assert list(result.payments["year"]) == [2026]

    def test_no_eligible_fund(self):
        doc = instance_dict(months=1)
        doc["funds"][0]["eligible"] = {"categories": ["drones"]}
        doc["items"].append({"id": "d", "name": "D", "category": "drones"})
        doc["needs"] = [need("a", 0, 5)]
        result = plan(build(doc), options=MEASURED)
        assert math.isclose(result.tiers[0].unit_months_short, 5)
        assert reasons(result, "a")["no_eligible_fund"]["lines"] == ["l1"]

    def test_partner_fund_pays_only_eligible_lines(self):
        doc = instance_dict(months=1, capacity=10, price=1.0, budget=0)
        doc["items"].append({"id": "d", "name": "D", "category": "drones"})
        doc["lines"].append(
            {"id": "l2", "producer": "p", "item": "d", "capacity": 10, "price": 1.0}
        )
        doc["funds"].append(
            {
                "id": "dk",
                "kind": "partner",
                "budget": {"2026": 100},
                "eligible": {"categories": ["drones"]},
            }
        )
        doc["needs"] = [need("a", 0, 5), need("d", 0, 5)]
        result = plan(build(doc))
        assert list(result.payments["line"]) == ["l2"]
        assert list(result.payments["fund"]) == ["dk"]
        assert math.isclose(result.tiers[0].unit_months_short, 5)  # all of "a"


class TestNoProducer:
    def test_an_item_nobody_makes(self):
        doc = instance_dict(months=1)
        doc["items"].append({"id": "m", "name": "Missile", "category": "missiles"})
        doc["needs"] = [need("m", 0, 2)]
        result = plan(build(doc), options=MEASURED)
        assert set(reasons(result, "m")) == {"no_producer"}


class TestStockAndForeignSupply:
    def test_stock_and_foreign_supply_cover_need_at_no_cost(self):
        doc = instance_dict(months=2, capacity=0)
        doc["stock"] = [{"item": "a", "quantity": 3}]
        doc["foreign_supply"] = [{"item": "a", "month": 1, "quantity": 4}]
        doc["needs"] = [need("a", 0, 3), need("a", 1, 4)]
        result = plan(build(doc))
        assert result.tiers[0].unit_months_short == 0
        assert result.cost == 0

    def test_stock_carries_early_output_to_a_later_need(self):
        doc = instance_dict(months=3, capacity=10)
        doc["needs"] = [need("a", 2, 30)]
        result = plan(build(doc))
        assert result.tiers[0].unit_months_short == pytest.approx(0)
        stock = result.stock.set_index("month")["quantity"]
        assert stock[0] == pytest.approx(10)
        assert stock[1] == pytest.approx(20)


class TestTiers:
    def test_tiers_are_strict(self):
        # Budget 100 buys one tier-1 vehicle (100) or 100 tier-2 drones (1 each). Tier 1 wins.
        doc = instance_dict(months=1, capacity=1, price=100.0, budget=100)
        doc["items"].append({"id": "d", "name": "Drone", "category": "drones"})
        doc["lines"].append(
            {"id": "l2", "producer": "p", "item": "d", "capacity": 1000, "price": 1.0}
        )
        doc["needs"] = [
            need("a", 0, 1, priority=1, operation="stabilization"),
            need("d", 0, 100, priority=2, operation="defensive"),
        ]
        result = plan(build(doc))
        tier1, tier2 = result.tiers
        assert tier1.unit_months_short == pytest.approx(0)
        assert tier2.unit_months_short == pytest.approx(100)

    def test_operation_weights_order_needs_within_a_tier(self):
        doc = instance_dict(months=1, capacity=4)
        doc["groupings"].append({"id": "g2", "name": "G2"})
        doc["needs"] = [
            need("a", 0, 4, operation="stabilization"),
            need("a", 0, 4, operation="defensive", grouping="g2"),
        ]
        result = plan(build(doc))
        served = result.allocations.set_index("operation")["served"]
        assert served["defensive"] == pytest.approx(4)
        assert served["stabilization"] == pytest.approx(0)
        assert result.tiers[0].weighted_unit_months_short == pytest.approx(4)

    def test_cost_is_least_once_tiers_are_held(self):
        doc = instance_dict(months=1, capacity=10, price=2.0)
        doc["lines"].append(
            {"id": "l2", "producer": "p", "item": "a", "capacity": 10, "price": 1.0}
        )
        doc["needs"] = [need("a", 0, 15)]
        result = plan(build(doc))
        by_line = result.deliveries.set_index("line")["quantity"]
        assert by_line["l2"] == pytest.approx(10)
        assert by_line["l1"] == pytest.approx(5)
        assert result.cost == pytest.approx(20)


class TestExpansionsAndModes:
    def doc(self):
        doc = instance_dict(months=3, capacity=10, price=1.0)
        doc["expansions"] = [
            {"id": "e1", "line": "l1", "start": 0, "delay": 1, "added_capacity": 10, "capex": 100}
        ]
        doc["needs"] = [need("a", 1, 15), need("a", 2, 15)]
        return doc

    def test_no_expansion_when_capacity_suffices(self):
        # 15 + 15 needed by months 1 and 2; 10 a month gives 20 by month 1 and 30 by month 2.
        result = plan(build(self.doc()), options=SolveOptions(mode="lp"))
        assert result.tiers[0].unit_months_short == pytest.approx(0)
        assert result.capex == pytest.approx(0)

    def test_lp_fraction_and_milp_whole_expansion(self):
        doc = self.doc()
        doc["needs"] = [need("a", 1, 25), need("a", 2, 10)]  # 35 by month 2, 30 without expansion
        lp = plan(build(doc), options=SolveOptions(mode="lp"))
        milp = plan(build(doc), options=SolveOptions(mode="milp"))
        assert lp.tiers[0].unit_months_short == pytest.approx(0)
        assert milp.tiers[0].unit_months_short == pytest.approx(0)
        # 25 by month 1 needs 5 extra in month 1: z = 0.5 in lp (capex 50), z = 1 in milp (100)
        assert lp.capex == pytest.approx(50)
        assert milp.capex == pytest.approx(100)
        assert lp.cost == pytest.approx(35 + 50)
        assert milp.cost == pytest.approx(35 + 100)

    def test_min_rate_holds_in_milp_and_is_ignored_in_lp(self):
        doc = instance_dict(months=2, capacity=10, price=1.0)
        doc["lines"][0]["min_rate"] = 8
        doc["needs"] = [need("a", 0, 5)]
        lp = plan(build(doc), options=SolveOptions(mode="lp"))
        milp = plan(build(doc), options=SolveOptions(mode="milp"))
        assert lp.cost == pytest.approx(5)
        assert milp.cost == pytest.approx(16)  # 8 in each month once the line is used
        # milp stages report the gap reached; lp results have no such field
        assert [s["mip_gap"] for s in milp.to_dict()["report"]["stages"]] == [0.0, 0.0]
        assert all("mip_gap" not in s for s in lp.to_dict()["report"]["stages"])

    def test_milp_from_the_relaxation_matches_the_classic_mip_solve(self):
        # 10 a month covers 10 defensive in month 0 and 5 offensive in month 1 without the
        # expansion: the relaxation's integers are whole, so both stages are proven at once
        doc = instance_dict(months=3, capacity=10, price=100.0)
        doc["expansions"] = [
            {"id": "e1", "line": "l1", "delay": 1, "added_capacity": 10, "capex": 1000}
        ]
        doc["needs"] = [need("a", 0, 10), need("a", 1, 5, operation="offensive")]
        fast = plan(build(doc), options=SolveOptions(mode="milp"))
        classic = plan(build(doc), options=SolveOptions(mode="milp", mip_from_relaxation=False))
        assert fast.tiers[0].weighted_unit_months_short == 0
        assert fast.cost == pytest.approx(1500)  # 15 delivered at 100, no expansion
        assert classic.cost == pytest.approx(fast.cost, rel=1e-7)
        assert [s["mip_gap"] for s in fast.to_dict()["report"]["stages"]] == [0.0, 0.0]

    def test_milp_searches_where_the_rounded_relaxation_is_not_within_the_gap(self):
        # the relaxation buys half the expansion (z = 0.5, cost 85); rounded, z is not within
        # the gap of that bound either way, so the MIP search runs and buys the whole of it
        doc = self.doc()
        doc["needs"] = [need("a", 1, 25), need("a", 2, 10)]
        milp = plan(build(doc), options=SolveOptions(mode="milp"))
        assert milp.tiers[0].unit_months_short == pytest.approx(0)
        assert milp.cost == pytest.approx(35 + 100)
        assert all(s["mip_gap"] <= 1e-4 for s in milp.to_dict()["report"]["stages"])


class TestCommitments:
    def test_commitments_are_delivered_and_paid_even_without_need(self):
        doc = instance_dict(months=2, capacity=10, price=3.0)
        doc["commitments"] = [{"line": "l1", "month": 1, "quantity": 4}]
        result = plan(build(doc))
        assert result.cost == pytest.approx(12)

    def test_commitment_above_capacity_is_infeasible_and_named(self):
        doc = instance_dict(months=2, capacity=10)
        doc["commitments"] = [{"line": "l1", "month": 1, "quantity": 20}]
        result = plan(build(doc))
        assert result.status == SolveStatus.INFEASIBLE
        assert result.conflicts == [
            "commitments[line=l1, month=1]: 20 committed, above the line's capacity 10 in that month"
        ]

    def test_commitments_the_funds_cannot_pay_are_infeasible_and_named(self):
        doc = instance_dict(months=2, capacity=10, price=1.0, budget=5)
        doc["commitments"] = [{"line": "l1", "month": 1, "quantity": 8}]
        result = plan(build(doc))
        assert result.status == SolveStatus.INFEASIBLE
        assert result.conflicts == [
            "funds[0].budget.2026 (fund state): commitments need 8 but the budget is 5"
        ]


def test_the_same_instance_gives_the_same_plan():
    doc = instance_dict(months=3, capacity=[5, 10, 20], price=[1.0, 2.0, 1.5])
    doc["needs"] = [need("a", 1, 12), need("a", 2, 30, priority=2)]
    first = plan(build(doc)).to_dict()
    second = plan(build(doc)).to_dict()
    first.pop("report")
    second.pop("report")
    assert first == second
