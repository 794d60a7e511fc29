"""The synthetic generators: deterministic, valid, and shaped like FACTS.md says."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache

import pytest

from kuznia.instance.schema import Fund, Instance, Producer
from kuznia.instance.validate import check_instance
from kuznia.synthetic import SIZES, generate

REQUIRED_CATEGORIES = {
    "artillery_ammunition",
    "mortar_ammunition",
    "fpv_drones",
    "reconnaissance_drones",
    "long_range_strike_drones",
    "armoured_vehicles",
    "artillery_systems",
    "electronic_warfare",
    "counter_drone",
    "missiles",
}


@cache
def instance(size: str, seed: int = 7) -> Instance:
    return generate(size, seed=seed)


def per_month(value: float | list[float], months: int) -> list[float]:
    return list(value) if isinstance(value, list) else [value] * months


def eligible(fund: Fund, producer: Producer, category: str) -> bool:
    rules = fund.eligible
    return (
        (not rules.categories or category in rules.categories)
        and (not rules.ownership or producer.ownership in rules.ownership)
        and (not rules.producers or producer.id in rules.producers)
        and (not rules.regions or producer.region in rules.regions)
    )


def capacity_value_per_state_budget(inst: Instance) -> float:
    """Capacity over the horizon at the lines' prices, over the state budget of the horizon."""
    value = sum(
        c * p
        for line in inst.lines
        for c, p in zip(
            per_month(line.capacity, inst.months), per_month(line.price, inst.months), strict=True
        )
    )
    state = next(fund for fund in inst.funds if fund.kind == "state")
    return value / sum(state.budget.values())


def assert_valid(inst: Instance) -> None:
    """Every rule of INSTANCE.md that relates records to each other, and commitments that fit."""
    assert Instance.model_validate(inst.model_dump()) == inst
    assert check_instance(inst) == []
    months = inst.months
    horizon_years = {str(inst.year_of_month(t)) for t in range(months)}
    for records in (inst.items, inst.producers, inst.lines, inst.expansions, inst.groupings):
        ids = [record.id for record in records]
        assert len(ids) == len(set(ids))
    assert len({fund.id for fund in inst.funds}) == len(inst.funds)

    items = {item.id: item for item in inst.items}
    producers = {producer.id: producer for producer in inst.producers}
    lines = {line.id: line for line in inst.lines}
    groupings = {grouping.id for grouping in inst.groupings}
    regions = {producer.region for producer in inst.producers}

    for producer in inst.producers:
        shares = [partner.share for partner in producer.partners]
        assert (producer.ownership == "joint_venture") == bool(shares)
        assert all(0 < share <= 1 for share in shares)
        assert sum(shares) <= 1
    for line in inst.lines:
        assert line.producer in producers
        assert line.item in items
        for value in (line.capacity, line.price):
            assert not isinstance(value, list) or len(value) == months
        capacity = per_month(line.capacity, months)
        assert all(line.min_rate <= c for c in capacity[line.lead_time :])
    for expansion in inst.expansions:
        assert expansion.line in lines
        assert 0 <= expansion.start < months
    for need in inst.needs:
        assert need.item in items
        assert need.grouping in groupings
        assert need.month < months
    for supply in inst.foreign_supply:
        assert supply.item in items
        assert supply.month < months
    assert all(stock.item in items for stock in inst.stock)
    for fund in inst.funds:
        assert set(fund.budget) <= horizon_years
        assert set(fund.eligible.categories) <= {item.category for item in inst.items}
        assert set(fund.eligible.producers) <= set(producers)
        assert set(fund.eligible.regions) <= regions

    # Commitments: within the capacity of their month, payable by the funds eligible for them.
    cost: dict[str, float] = defaultdict(float)
    paying: set[str] = set()
    for commitment in inst.commitments:
        line = lines[commitment.line]
        assert commitment.month < months
        assert commitment.quantity <= per_month(line.capacity, months)[commitment.month]
        year = str(inst.year_of_month(commitment.month))
        cost[year] += commitment.quantity * per_month(line.price, months)[commitment.month]
        funds = [
            fund
            for fund in inst.funds
            if fund.budget.get(year, 0) > 0
            and eligible(fund, producers[line.producer], items[line.item].category)
        ]
        assert funds, f"commitment on {line.id} in {year}: no eligible fund"
        paying.update(fund.id for fund in funds)
    for year, amount in cost.items():
        assert amount <= sum(f.budget.get(year, 0) for f in inst.funds if f.id in paying)


class TestDeterminism:
    def test_same_seed_gives_the_same_instance(self) -> None:
        assert generate("national", seed=7) == instance("national", 7)

    def test_different_seeds_give_different_instances(self) -> None:
        first, second = generate("small", seed=1), generate("small", seed=2)
        assert first.lines != second.lines
        assert first.needs != second.needs

    def test_unknown_size_is_refused_by_name(self) -> None:
        with pytest.raises(ValueError, match="'huge'"):
            generate("huge", seed=1)

    def test_sizes_are_listed_smallest_first(self) -> None:
        assert SIZES == ("tiny", "small", "national", "national-x10")


class TestValidity:
    @pytest.mark.parametrize("size", ["tiny", "small", "national"])
    @pytest.mark.parametrize("seed", [0, 7])
    def test_instance_is_valid(self, size: str, seed: int) -> None:
        assert_valid(instance(size, seed))

    @pytest.mark.slow
    def test_national_x10_is_valid_and_ten_times_national(self) -> None:
        big, national = instance("national-x10"), instance("national")
        assert_valid(big)
        assert 3_500 <= len(big.producers) <= 6_500
        assert 14_000 <= len(big.lines) <= 26_000
        assert [item.id for item in big.items] == [item.id for item in national.items]
        assert big.groupings == national.groupings
        assert big.months == national.months
        assert 2 <= capacity_value_per_state_budget(big) <= 4.5


class TestTiny:
    def test_is_small_enough_to_check_by_hand(self) -> None:
        tiny = instance("tiny")
        assert 2 <= len(tiny.items) <= 3
        assert 2 <= len(tiny.producers) <= 3
        assert 3 <= len(tiny.lines) <= 4
        assert 1 <= len(tiny.groupings) <= 2
        assert 3 <= tiny.months <= 6
        assert 1 <= len(tiny.funds) <= 2


class TestSmall:
    def test_has_the_stated_dimensions(self) -> None:
        small = instance("small")
        assert 20 <= len(small.producers) <= 40
        assert 70 <= len(small.lines) <= 130
        assert len(small.items) == 12
        assert len(small.groupings) == 3
        assert small.months == 12
        assert len(small.funds) == 4


class TestNational:
    def test_has_about_500_producers_and_2000_lines(self) -> None:
        national = instance("national")
        assert 350 <= len(national.producers) <= 650
        assert 1_400 <= len(national.lines) <= 2_600
        assert len(national.groupings) == 10
        assert national.start == "2026-01"
        assert national.months == 36

    def test_producers_are_state_private_and_joint_ventures_in_regions(self) -> None:
        national = instance("national")
        ownership = Counter(producer.ownership for producer in national.producers)
        assert set(ownership) == {"state", "private", "joint_venture"}
        ventures = [p for p in national.producers if p.ownership == "joint_venture"]
        assert ventures
        assert all(venture.partners for venture in ventures)
        regions = {producer.region for producer in national.producers}
        assert 12 <= len(regions) <= 24
        assert all(re.fullmatch(r"region-\d{2}", region) for region in regions)

    def test_names_are_synthetic(self) -> None:
        pattern = r"(Zavod-|Producer |Joint Venture )\d{3,}"
        assert all(re.fullmatch(pattern, p.name) for p in instance("national").producers)

    def test_items_cover_the_ten_categories(self) -> None:
        national = instance("national")
        categories = {item.category for item in national.items}
        assert categories >= REQUIRED_CATEGORIES
        assert 45 <= len(national.items) <= 80

    @pytest.mark.parametrize(
        ("item", "low", "high"),
        [
            ("art-155-he", 2_500, 3_500),
            ("fpv-7", 300, 600),
            ("av-apc", 1e6, 3e6),
            ("mis-cruise", 0.5e6, 2e6),
        ],
    )
    def test_median_unit_price_is_plausible_for_the_item(
        self, item: str, low: float, high: float
    ) -> None:
        national = instance("national")
        prices = sorted(
            price
            for line in national.lines
            if line.item == item
            for price in per_month(line.price, national.months)
        )
        assert low <= prices[len(prices) // 2] <= high

    def test_capacity_is_about_three_times_the_state_budget(self) -> None:
        assert 2 <= capacity_value_per_state_budget(instance("national")) <= 4.5

    def test_state_budget_is_six_to_ten_billion_a_year(self) -> None:
        state = next(fund for fund in instance("national").funds if fund.kind == "state")
        assert set(state.budget) == {"2026", "2027", "2028"}
        assert all(6e9 <= amount <= 10e9 for amount in state.budget.values())

    def test_funds_include_restricted_partner_eu_and_jv_money(self) -> None:
        funds = instance("national").funds
        assert len(funds) >= 8
        partners = [fund for fund in funds if fund.kind == "partner"]
        assert len(partners) >= 4
        assert all(fund.eligible.categories for fund in partners)
        assert any(fund.eligible.producers for fund in partners)
        assert any(fund.eligible.regions for fund in partners)
        assert any(fund.eligible.ownership for fund in partners)
        assert any(fund.kind == "eu" for fund in funds)
        jv = [fund for fund in funds if fund.kind == "jv"]
        assert jv
        assert all(fund.eligible.ownership == ["joint_venture"] for fund in jv)

    def test_some_lines_ramp_five_to_twenty_fold_and_others_are_flat(self) -> None:
        national = instance("national")
        growth = [
            line.capacity[-1] / line.capacity[0]
            for line in national.lines
            if isinstance(line.capacity, list) and line.capacity[0] >= 10
        ]
        assert growth
        assert min(growth) >= 4
        assert max(growth) <= 25
        assert any(g >= 15 for g in growth)
        assert any(g <= 7 for g in growth)
        flat = [line for line in national.lines if not isinstance(line.capacity, list)]
        assert len(flat) > len(national.lines) / 2

    def test_lead_times_min_rates_and_expansions(self) -> None:
        national = instance("national")
        assert {line.lead_time for line in national.lines} == set(range(7))
        assert any(line.min_rate > 0 for line in national.lines)
        assert 0.05 * len(national.lines) <= len(national.expansions) <= 0.3 * len(national.lines)
        assert {e.delay for e in national.expansions} <= set(range(3, 10))
        assert all(e.capex > 0 and e.added_capacity > 0 for e in national.expansions)

    def test_needs_have_every_operation_and_three_tiers(self) -> None:
        needs = instance("national").needs
        assert {need.operation for need in needs} == {"defensive", "offensive", "stabilization"}
        assert {need.priority for need in needs} == {1, 2, 3}
        assert {need.month for need in needs} == set(range(36))

    def test_foreign_supply_stock_and_commitments_are_present(self) -> None:
        national = instance("national")
        categories = {item.id: item.category for item in national.items}
        supplied = {categories[supply.item] for supply in national.foreign_supply}
        assert {"artillery_ammunition", "missiles", "armoured_vehicles"} <= supplied
        assert national.stock
        lines = {line.id: line for line in national.lines}
        committed = {commitment.line for commitment in national.commitments}
        assert 5 <= len(committed) <= 100
        assert all(commitment.month <= 2 for commitment in national.commitments)
        # Commitments are what lets a line deliver inside its lead time.
        assert any(
            commitment.month < lines[commitment.line].lead_time
            for commitment in national.commitments
        )


class TestEconomy:
    """Employees and export offers: on by default, left out with economy=False."""

    def test_on_by_default_and_off_on_request(self) -> None:
        assert len(instance("national").export_orders) == 6
        plain = generate("national", seed=7, economy=False)
        assert plain.export_orders == []
        assert all(p.employees is None for p in plain.producers)

    def test_adds_employees_and_a_handful_of_offers_and_changes_nothing_else(self) -> None:
        richer = generate("national", seed=7, economy=True)
        assert 5 <= len(richer.export_orders) <= 8
        assert check_instance(richer) == []
        employees = [p.employees for p in richer.producers]
        assert all(e is not None and e >= 20 for e in employees)
        # some 100,000-300,000 people: the size of a national defence industry (illustrative)
        assert 100_000 <= sum(e for e in employees if e is not None) <= 300_000
        line_items = {line.item for line in richer.lines}
        for order in richer.export_orders:
            assert order.item in line_items
            assert order.month >= richer.months // 2
            assert re.fullmatch(r"[A-Z]{2}", order.buyer)
        stripped = richer.model_copy(
            update={
                "export_orders": [],
                "producers": [p.model_copy(update={"employees": None}) for p in richer.producers],
            }
        )
        assert stripped.model_dump() == generate("national", seed=7, economy=False).model_dump()
