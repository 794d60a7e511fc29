"""Explanations that decide: every claim is checked by solving the changed instance again.

Each test plans a tiny instance, reads the claims of a short need class, then makes exactly the
change a claim names in the instance document (capacity +1 in a month or in every month of a
span, +1 million for a fund in a year, a lead time removed) and plans again: the change in every
tier's weighted unit-months short must equal what the claim says.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from kuznia.planning import PlanInput, SolveOptions, plan
from kuznia.planning.results import reason_text, significant
from kuznia.planning.whatif import close_shortfall
from tests.planning.builders import build, instance_dict, need

OPTIONS = SolveOptions(measure_explanations=True, explain_seconds=60)


def explanation(result, item: str, priority: int | None = None) -> dict[str, Any]:
    (found,) = [
        e
        for e in result.explanations
        if e["item"] == item and (priority is None or e["priority"] == priority)
    ]
    return found


def tiers(document: dict[str, Any]) -> dict[int, float]:
    return {t.priority: t.weighted_unit_months_short for t in plan(build(document)).tiers}


def changed(document: dict[str, Any], reason: dict[str, Any], claim: dict[str, Any]) -> dict:
    """The document with exactly the claim's change made."""
    doc = copy.deepcopy(document)
    if claim["kind"] in ("capacity_month", "capacity_span"):
        (line,) = [x for x in doc["lines"] if x["id"] == reason["line"]]
        capacity = line["capacity"]
        if not isinstance(capacity, list):
            capacity = [capacity] * doc["months"]
        line["capacity"] = [
            c + claim["step"] if t in claim["months"] else c for t, c in enumerate(capacity)
        ]
    elif claim["kind"] == "budget":
        (fund,) = [f for f in doc["funds"] if f["id"] == reason["fund"]]
        year = str(claim["year"])
        fund["budget"][year] = fund["budget"].get(year, 0) + claim["amount"]
    elif claim["kind"] == "lead_time":
        for listed in reason["lines"]:
            (line,) = [x for x in doc["lines"] if x["id"] == listed["line"]]
            line["lead_time"] = 0
    return doc


def assert_claims_hold(document: dict[str, Any], result) -> int:
    """Re-solve every exact claim of every explanation; the number of claims checked."""
    before = {t.priority: t.weighted_unit_months_short for t in result.tiers}
    checked = 0
    for e in result.explanations:
        for reason in e["reasons"]:
            for claim in reason.get("claims", []):
                assert claim["exact"], claim
                after = tiers(changed(document, reason, claim))
                measured = {p: after[p] - before[p] for p in before}
                claimed = {x["priority"]: x["change"] for x in claim["effects"]}
                assert set(claimed) == set(measured)
                for p in measured:
                    assert math.isclose(claimed[p], measured[p], rel_tol=1e-5, abs_tol=1e-5), (
                        reason,
                        claim,
                        measured,
                    )
                checked += 1
    return checked


def claims_of(reason: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["kind"]: c for c in reason["claims"]}


def effect(claim: dict[str, Any]) -> dict[int, float]:
    return {x["priority"]: x["change"] for x in claim["effects"]}


class TestCapacityClaims:
    def test_a_month_and_a_span_name_their_months_and_are_exact(self):
        # 10 a month for 3 months; 40 needed in month 2: 10 short there (defensive, weight 3).
        doc = instance_dict(months=3, capacity=10)
        doc["needs"] = [need("a", 2, 40)]
        result = plan(build(doc), options=OPTIONS)
        (reason,) = explanation(result, "a")["reasons"]
        assert reason["code"] == "capacity"
        assert reason["headline"] is True
        assert reason["line"] == "l1"
        assert reason["months"] == [0, 1, 2]
        claims = claims_of(reason)
        # +1 in each of the three months: 3 more units by month 2, 9 weighted unit-months less
        assert claims["capacity_span"]["months"] == [0, 1, 2]
        assert effect(claims["capacity_span"]) == {1: -9.0}
        # +1 in one named month: one unit, 3 weighted unit-months less
        assert len(claims["capacity_month"]["months"]) == 1
        assert effect(claims["capacity_month"]) == {1: -3.0}
        assert assert_claims_hold(doc, result) == 2

    def test_a_span_is_not_the_month_times_its_length_when_the_need_runs_out(self):
        # 25 needed in month 1 with 10 a month: 5 short; +1 in months 0 and 1 cuts 2 units,
        # +1 in one month cuts 1 (3 and 6 weighted: the span is worth twice the month here).
        doc = instance_dict(months=2, capacity=10)
        doc["needs"] = [need("a", 1, 25)]
        result = plan(build(doc), options=OPTIONS)
        claims = claims_of(explanation(result, "a")["reasons"][0])
        assert effect(claims["capacity_span"]) == {1: -6.0}
        assert effect(claims["capacity_month"]) == {1: -3.0}
        assert assert_claims_hold(doc, result) == 2


class TestTradeOff:
    def document(self) -> dict[str, Any]:
        # One budget of 50 for two items at price 1: "a" (tier 2, defensive x3) is held by its
        # line's 10 a month, "b" (tier 3, stabilization x1) gets the 40 left.
        doc = instance_dict(months=1, capacity=10, price=1.0, budget=50)
        doc["items"].append({"id": "b", "name": "B", "category": "shells", "unit": "pcs"})
        doc["lines"].append(
            {"id": "l2", "producer": "p", "item": "b", "capacity": 100, "price": 1.0}
        )
        doc["needs"] = [
            need("a", 0, 20, priority=2),
            need("b", 0, 100, priority=3, operation="stabilization"),
        ]
        return doc

    def test_one_more_unit_for_tier_2_costs_tier_3_one_and_both_are_shown(self):
        doc = self.document()
        result = plan(build(doc), options=OPTIONS)
        reason = explanation(result, "a")["reasons"][0]
        assert reason["line"] == "l1"
        # +1 unit of "a": tier 2 is 3 weighted unit-months less short, and that unit's money
        # leaves one unit of "b" unbought: tier 3 is 1 more
        assert effect(claims_of(reason)["capacity_month"]) == {2: -3.0, 3: 1.0}
        assert assert_claims_hold(doc, result) >= 2

    def test_a_budget_spent_that_does_not_help_the_class_is_not_a_reason(self):
        # the fund spends all of 2026, but for "a" more money buys nothing (its line is full)
        result = plan(build(self.document()), options=OPTIONS)
        codes = [r["code"] for r in explanation(result, "a")["reasons"]]
        assert codes == ["capacity"]
        # for "b" the money is the headline: +1 million buys the 60 units short
        headline = explanation(result, "b")["reasons"][0]
        assert headline["code"] == "budget"
        assert effect(headline["claims"][0]) == {2: 0.0, 3: -60.0}


class TestBudgetClaims:
    def test_one_more_million_is_measured_not_extrapolated(self):
        # price 250,000, 10 M buys 40 of the 100 needed; +1 M buys 4 more: 12 weighted less
        doc = instance_dict(months=1, capacity=100, price=250_000.0, budget=10_000_000)
        doc["needs"] = [need("a", 0, 100)]
        result = plan(build(doc), options=OPTIONS)
        (reason,) = explanation(result, "a")["reasons"]
        assert (reason["code"], reason["fund"], reason["year"]) == ("budget", "state", 2026)
        (claim,) = reason["claims"]
        assert claim["amount"] == 1_000_000
        assert effect(claim) == {1: -12.0}
        assert assert_claims_hold(doc, result) == 1

    def test_a_million_beyond_what_the_line_makes_claims_only_what_it_buys(self):
        # 10 budget at price 2 buys 5 of 10; +1 M would buy 500,000, the line makes 10: 5 more
        doc = instance_dict(months=1, capacity=10, price=2.0, budget=10)
        doc["needs"] = [need("a", 0, 10)]
        result = plan(build(doc), options=OPTIONS)
        budget = [r for r in explanation(result, "a")["reasons"] if r["code"] == "budget"]
        assert effect(budget[0]["claims"][0]) == {1: -15.0}
        assert assert_claims_hold(doc, result) >= 1


class TestLeadTime:
    def test_named_where_it_cuts_the_shortfall(self):
        # lead time 1: months 1 and 2 make 20 of the 25 due in month 2; from month 0 it makes 30
        doc = instance_dict(months=3, capacity=10, lead_time=1)
        doc["needs"] = [need("a", 2, 25)]
        result = plan(build(doc), options=OPTIONS)
        reasons = {r["code"]: r for r in explanation(result, "a")["reasons"]}
        assert reasons["lead_time"]["lines"] == [{"line": "l1", "lead_time": 1, "first_month": 1}]
        assert effect(reasons["lead_time"]["claims"][0]) == {1: -15.0}
        assert assert_claims_hold(doc, result) >= 1

    def test_not_named_where_the_money_binds(self):
        # the same lead time, but 5 currency buys 5 units: the months lost to the lead time
        # change nothing
        doc = instance_dict(months=3, capacity=10, lead_time=1, budget=5)
        doc["needs"] = [need("a", 2, 25)]
        result = plan(build(doc), options=OPTIONS)
        codes = [r["code"] for r in explanation(result, "a")["reasons"]]
        assert codes == ["budget"]
        assert assert_claims_hold(doc, result) == 1


class TestShape:
    def test_a_headline_and_at_most_three_supporting_reasons(self):
        doc = instance_dict(months=2, capacity=1, price=1.0, budget=3)
        doc["lines"] += [
            {"id": f"l{k}", "producer": "p", "item": "a", "capacity": 1, "price": 1.0}
            for k in range(2, 7)
        ]
        doc["needs"] = [need("a", 1, 100)]
        result = plan(build(doc), options=OPTIONS)
        reasons = explanation(result, "a")["reasons"]
        assert 1 <= len(reasons) <= 4
        assert [r.get("headline", False) for r in reasons] == [True] + [False] * (len(reasons) - 1)

    def test_without_time_to_re_solve_claims_are_estimates_for_one_named_month(self):
        doc = instance_dict(months=3, capacity=10)
        doc["needs"] = [need("a", 2, 40)]
        result = plan(build(doc), options=SolveOptions(explain_seconds=0))
        (reason,) = explanation(result, "a")["reasons"]
        (claim,) = reason["claims"]  # a span is never estimated
        assert claim["kind"] == "capacity_month"
        assert claim["exact"] is False
        assert len(claim["months"]) == 1
        assert effect(claim) == {1: -3.0}


class TestWhatClosesIt:
    def test_money_per_fund_and_year_when_money_is_what_binds(self):
        # 10 M buys 40 of the 100 needed at 250,000: 15 M more buys the 60 short
        doc = instance_dict(months=1, capacity=100, price=250_000.0, budget=10_000_000)
        doc["needs"] = [need("a", 0, 100)]
        pi = PlanInput.from_instance(build(doc))
        answer = close_shortfall(pi, 0, SolveOptions())
        assert (answer["closes"], answer["by"]) == (True, "money")
        assert answer["money"] == [{"fund": "state", "year": 2026, "amount": 15_000_000.0}]
        assert answer["capacity"] == []
        # and that money closes it
        doc["funds"][0]["budget"]["2026"] += 15_000_000
        assert tiers(doc) == {1: 0.0}

    def test_capacity_when_the_lines_are_full(self):
        doc = instance_dict(months=2, capacity=10)
        doc["needs"] = [need("a", 1, 25)]
        answer = close_shortfall(PlanInput.from_instance(build(doc)), 0, SolveOptions())
        # 25 due by month 1 from 10 a month: +3 a month in months 0 and 1 (26) closes it, +2
        # (24) does not
        assert (answer["closes"], answer["by"]) == (True, "money_and_capacity")
        assert answer["capacity"] == [{"line": "l1", "months": [0, 1], "units_per_month": 3.0}]
        doc["lines"][0]["capacity"] = 13
        assert tiers(doc) == {1: 0.0}
        doc["lines"][0]["capacity"] = 12
        assert tiers(doc)[1] > 0

    def test_nothing_closes_what_no_line_makes(self):
        doc = instance_dict(months=1)
        doc["items"].append({"id": "m", "name": "Missile", "category": "missiles"})
        doc["needs"] = [need("m", 0, 2)]
        answer = close_shortfall(PlanInput.from_instance(build(doc)), 0, SolveOptions())
        assert (answer["closes"], answer["by"]) == (False, None)


class TestText:
    def test_a_reason_reads_with_its_months_and_every_tier_it_moves(self):
        doc = instance_dict(months=2, capacity=10)
        doc["needs"] = [need("a", 1, 25)]
        result = plan(build(doc), options=OPTIONS)
        (reason,) = explanation(result, "a")["reasons"]
        month = claims_of(reason)["capacity_month"]["months"][0]
        assert reason_text(reason, "2026-01") == (
            "capacity: l1 full in 2026-01..2026-02; +1 a month over 2026-01..2026-02: "
            f"tier 1 -6 wum; +1 in 2026-0{month + 1}: tier 1 -3 wum"
        )

    def test_small_values_keep_their_significant_digits(self):
        assert [significant(v) for v in (0.000555, 6.88, 15.8, 5037.2, 0.0)] == [
            "0.000555",
            "6.88",
            "15.8",
            "5,037",
            "0",
        ]

    def test_a_reason_stored_before_claims_reads_as_its_code(self):
        old = {"code": "capacity", "lines": [{"line": "l1", "marginal_value_per_unit": 3.0}]}
        assert reason_text(old) == "capacity"
