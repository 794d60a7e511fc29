"""Exports, surplus and the economy (INSTANCE.md, "Optional additions"), on tiny instances whose
optimum is worked out by hand beside each assertion."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kuznia.planning import SolveOptions, SolveStatus, plan
from tests.planning.builders import build, instance_dict, need
from tests.planning.test_properties import PROPERTY_SETTINGS, available, instances, solve

MODES = ["lp", "milp"]


def order(order_id: str, month: int, quantity: float, price: float, item: str = "a") -> dict:
    return {
        "id": order_id,
        "item": item,
        "month": month,
        "quantity": quantity,
        "price": price,
        "buyer": "PL",
    }


def served(result) -> dict[str, float]:
    return {r.order: float(r.quantity) for r in result.exports.itertuples()}


class TestExports:
    @pytest.mark.parametrize("mode", MODES)
    def test_exports_take_only_what_the_plan_leaves(self, mode):
        # need 6 in month 1; month 1 is cheaper (1 against 2), so the plan makes 6 there and
        # leaves 4 of its 10: the order of 8 at 5 gets 4, revenue 20; the cost stays 6.
        doc = instance_dict(months=2, capacity=10, price=[2, 1])
        doc["needs"] = [need("a", 1, 6)]
        doc["export_orders"] = [order("x1", 1, 8, 5.0)]
        result = plan(build(doc), options=SolveOptions(mode=mode))
        assert result.status == SolveStatus.OPTIMAL
        assert math.isclose(result.cost, 6)
        assert result.to_dict()["exports"] == [
            {"order": "x1", "item": "a", "month": 1, "quantity": 4, "revenue": 20}
        ]
        assert result.to_dict()["export_revenue"] == 20

    def test_the_better_price_is_served_first(self):
        # no needs, 10 free; offers of 6 at 3 and 6 at 5: 6 at 5 and 4 at 3 = 30 + 12 = 42.
        doc = instance_dict(months=1, capacity=10)
        doc["export_orders"] = [order("x1", 0, 6, 3.0), order("x2", 0, 6, 5.0)]
        result = plan(build(doc))
        assert served(result) == {"x1": 4, "x2": 6}
        assert math.isclose(result.export_revenue, 42)
        assert math.isclose(result.cost, 0)

    def test_nothing_is_exported_before_the_lead_time(self):
        doc = instance_dict(months=2, capacity=10, lead_time=1)
        doc["export_orders"] = [order("x1", 0, 5, 9.0), order("x2", 1, 5, 9.0)]
        result = plan(build(doc))
        assert served(result) == {"x1": 0, "x2": 5}

    def test_the_buyer_pays_so_an_empty_budget_does_not_stop_exports(self):
        # budget 0: the need of 5 in month 0 stays short (5 unit-months, x3 defensive = 15),
        # yet the buyer's 10 at 2 are served: revenue 20, cost 0, no payment by any fund.
        doc = instance_dict(months=1, capacity=10, budget=0)
        doc["needs"] = [need("a", 0, 5)]
        doc["export_orders"] = [order("x1", 0, 10, 2.0)]
        result = plan(build(doc))
        assert math.isclose(result.tiers[0].weighted_unit_months_short, 15)
        assert served(result) == {"x1": 10}
        assert math.isclose(result.cost, 0)
        assert result.payments.empty

    def test_exports_never_enter_stock(self):
        # 10 made for export in month 0, a need of 3 in month 1 served from month 1's capacity.
        doc = instance_dict(months=2, capacity=10)
        doc["needs"] = [need("a", 1, 3)]
        doc["export_orders"] = [order("x1", 0, 10, 2.0)]
        result = plan(build(doc))
        assert served(result) == {"x1": 10}
        assert result.stock["quantity"].sum() == 0

    def test_a_file_without_export_orders_reports_no_exports(self):
        doc = instance_dict(months=1)
        document = plan(build(doc)).to_dict()
        assert "exports" not in document
        assert "export_revenue" not in document


class TestMinRate:
    """milp: min_rate applies to x + y, and exports never change the cost."""

    def test_exports_cannot_lower_the_cost_a_min_rate_imposes(self):
        # min rate 5: the need of 3 forces x = 5 (cost 5). With an order of 2, x = 3 and y = 2
        # would be cheaper, but the cost stage is held: x stays 5 and the order takes 2 of the
        # 5 left.
        doc = instance_dict(months=1, capacity=10)
        doc["lines"][0]["min_rate"] = 5
        doc["needs"] = [need("a", 0, 3)]
        without = plan(build(doc), options=SolveOptions(mode="milp"))
        doc["export_orders"] = [order("x1", 0, 2, 1.0)]
        result = plan(build(doc), options=SolveOptions(mode="milp"))
        assert math.isclose(without.cost, 5)
        assert math.isclose(result.cost, 5)
        assert served(result) == {"x1": 2}

    def test_an_idle_line_runs_for_exports_that_meet_its_min_rate_every_month(self):
        # no needs: the line is idle in the plan. Orders of 6 in both months meet min rate 5
        # in each, so the line runs for them: 12 served.
        doc = instance_dict(months=2, capacity=10)
        doc["lines"][0]["min_rate"] = 5
        doc["export_orders"] = [order("x1", 0, 6, 1.0), order("x2", 1, 6, 1.0)]
        result = plan(build(doc), options=SolveOptions(mode="milp"))
        assert served(result) == {"x1": 6, "x2": 6}

    def test_an_idle_line_does_not_run_for_an_order_below_its_min_rate_in_a_month(self):
        # only month 0 has an order; in month 1 x + y would be 0 < 5: the line stays idle.
        doc = instance_dict(months=2, capacity=10)
        doc["lines"][0]["min_rate"] = 5
        doc["export_orders"] = [order("x1", 0, 6, 1.0)]
        result = plan(build(doc), options=SolveOptions(mode="milp"))
        assert served(result) == {"x1": 0}


class TestSurplus:
    def test_after_plan_and_unconditional(self):
        # capacity 10 a month, need 8 in month 0, the fund pays only 4 units (price 1, budget
        # 4): the plan makes 4 in month 0, leaving 6 and 10. With unlimited funds 8 would be
        # made in month 0: 2 and 10 stay idle unconditionally.
        doc = instance_dict(months=2, capacity=10, budget=4)
        doc["needs"] = [need("a", 0, 8)]
        result = plan(build(doc))
        assert result.to_dict()["surplus"] == [
            {"item": "a", "month": 0, "after_plan": 6, "unconditional": 2},
            {"item": "a", "month": 1, "after_plan": 10, "unconditional": 10},
        ]

    def test_exports_come_off_the_surplus_after_the_plan(self):
        # lead time 1: month 0 has no capacity to offer; month 1: 10 - 3 (need) - 5 (export).
        doc = instance_dict(months=2, capacity=10, lead_time=1)
        doc["needs"] = [need("a", 1, 3)]
        doc["export_orders"] = [order("x1", 1, 5, 1.0)]
        surplus = plan(build(doc)).to_dict()["surplus"]
        assert [(s["after_plan"], s["unconditional"]) for s in surplus] == [(0, 0), (2, 7)]


def economy_instance() -> dict:
    """Two producers: p (state, r1, 100 people) sells at 2, q (joint venture with DK 30%, r2,
    50 people) at 3; a third, idle producer o (private, r2, 70 people)."""
    doc = instance_dict(months=1, capacity=10, price=2.0)
    doc["producers"][0]["employees"] = 100
    doc["producers"].append(
        {
            "id": "q",
            "name": "Q",
            "ownership": "joint_venture",
            "region": "r2",
            "partners": [{"country": "DK", "share": 0.3}],
            "employees": 50,
        }
    )
    doc["producers"].append(
        {"id": "o", "name": "O", "ownership": "private", "region": "r2", "employees": 70}
    )
    doc["lines"].append(
        {"id": "l2", "producer": "q", "item": "a", "capacity": 10, "price": 3.0, "lead_time": 0}
    )
    doc["lines"].append(
        {"id": "l3", "producer": "o", "item": "a", "capacity": 10, "price": 9.0, "lead_time": 0}
    )
    doc["needs"] = [need("a", 0, 15)]
    return doc


class TestEconomy:
    def test_spend_output_and_jobs_by_region_ownership_and_partner_country(self):
        # need 15: 10 from l1 at 2 (20) and 5 from l2 at 3 (15); o's line (at 9) is not needed
        # and has no capacity, so the export order of 4 at 10 can only come from the 5 left on
        # l2: revenue 40 in r2; o has no output, so its 70 people are no jobs of the plan.
        doc = economy_instance()
        doc["lines"][2]["capacity"] = 0
        doc["export_orders"] = [order("x1", 0, 4, 10.0)]
        economy = plan(build(doc)).to_dict()["economy"]
        assert economy["by_region"] == [
            {"region": "r1", "spend": 20, "output_value": 20, "export_revenue": 0, "jobs": 100},
            {"region": "r2", "spend": 15, "output_value": 15, "export_revenue": 40, "jobs": 50},
        ]
        assert economy["by_ownership"] == [
            {
                "ownership": "state",
                "spend": 20,
                "output_value": 20,
                "export_revenue": 0,
                "jobs": 100,
            },
            {
                "ownership": "joint_venture",
                "spend": 15,
                "output_value": 15,
                "export_revenue": 40,
                "jobs": 50,
            },
            {"ownership": "private", "spend": 0, "output_value": 0, "export_revenue": 0, "jobs": 0},
        ]
        # DK holds 30% of q: 0.3 x (15, 15, 40, 50)
        assert economy["by_partner_country"] == [
            {"country": "DK", "spend": 4.5, "output_value": 4.5, "export_revenue": 12, "jobs": 15},
        ]

    def test_without_employees_no_jobs_are_reported(self):
        doc = instance_dict(months=1)
        doc["needs"] = [need("a", 0, 5)]
        (row,) = plan(build(doc)).to_dict()["economy"]["by_region"]
        assert row == {"region": "r1", "spend": 5, "output_value": 5, "export_revenue": 0}

    def test_a_producer_with_lines_in_two_categories_shares_its_jobs_by_output_value(self):
        # p makes a (shells) at 2 and b (drones) at 6, 5 of each: output 10 and 30, so its
        # 100 people count 25 in shells and 75 in drones.
        doc = instance_dict(months=1, capacity=10, price=2.0)
        doc["producers"][0]["employees"] = 100
        doc["items"].append({"id": "b", "name": "B", "category": "drones", "unit": "pcs"})
        doc["lines"].append(
            {"id": "l2", "producer": "p", "item": "b", "capacity": 10, "price": 6.0}
        )
        doc["needs"] = [need("a", 0, 5), need("b", 0, 5)]
        by_category = plan(build(doc)).to_dict()["economy"]["by_category"]
        assert {r["category"]: r["jobs"] for r in by_category} == {"shells": 25, "drones": 75}


@PROPERTY_SETTINGS
@given(doc=instances(), data=st.data())
def test_economy_spend_over_regions_and_ownership_is_the_total_spend(doc, data):
    result = solve(doc, data.draw(st.sampled_from(MODES)))
    total = float(result.budget_use["spent"].sum())
    for name in ("by_region", "by_ownership"):
        table = result.economy[name]
        assert math.isclose(float(table["spend"].sum()), total, rel_tol=1e-6, abs_tol=1e-3)
        assert math.isclose(
            float(table["output_value"].sum()), result.delivery_cost, rel_tol=1e-9, abs_tol=1e-6
        )


@st.composite
def export_orders(draw, doc: dict) -> list[dict]:
    return [
        {
            "id": f"x{k}",
            "item": draw(st.sampled_from(doc["items"]))["id"],
            "month": draw(st.integers(0, doc["months"] - 1)),
            "quantity": draw(st.integers(0, 40)),
            "price": draw(st.sampled_from([1, 50, 400, 9000])),
            "buyer": draw(st.sampled_from(["PL", "DK", "FI"])),
        }
        for k in range(draw(st.integers(1, 4)))
    ]


@PROPERTY_SETTINGS
@given(doc=instances(), data=st.data())
def test_export_orders_never_change_a_tier_value_or_the_cost(doc, data):
    mode = data.draw(st.sampled_from(MODES))
    without = solve(doc, mode)
    with_orders = copy.deepcopy(doc)
    with_orders["export_orders"] = data.draw(export_orders(doc))
    result = solve(with_orders, mode)
    # bit for bit: the tiers and the cost are solved on the same model, exports come after
    assert [(t.priority, t.weighted_unit_months_short) for t in result.tiers] == [
        (t.priority, t.weighted_unit_months_short) for t in without.tiers
    ]
    assert result.cost == without.cost
    assert result.deliveries.equals(without.deliveries)
    # every order within its offer and its item and month; x + y within capacity, y from the
    # lead time on; the orders' total is what the lines export
    assert (result.exports["quantity"] <= result.exports["offered"] + 1e-6).all()
    made = result.deliveries.groupby(["line", "month"])["quantity"].sum()
    exported = (
        result.export_supply.groupby(["line", "month"])["quantity"].sum()
        if len(result.export_supply)
        else {}
    )
    for line in doc["lines"]:
        for t in range(doc["months"]):
            x, y = made.get((line["id"], t), 0.0), exported.get((line["id"], t), 0.0)
            limit = available(doc, result, line, t)
            assert x + y <= limit + 1e-6 * max(1.0, limit), (line["id"], t, x, y, limit)
            if t < line["lead_time"]:
                assert y == 0
    total = float(result.exports["quantity"].sum())
    assert math.isclose(
        float(result.export_supply["quantity"].sum()) if total else 0.0,
        total,
        rel_tol=1e-6,
        abs_tol=1e-6,
    )
