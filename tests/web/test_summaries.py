"""The numbers behind the charts, on a handful of rows whose answers are known by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kuznia.targets.schemas import TargetMonth, TargetProgress
from kuznia.web import summaries

CATEGORY = {"art": "artillery", "fpv": "drones"}


def test_coverage_is_what_was_served_of_the_need_due_so_far() -> None:
    allocations = [
        {"item": "art", "month": 0, "need": 100, "served": 50},
        {"item": "art", "month": 1, "need": 100, "served": 150},
        {"item": "fpv", "month": 1, "need": 10, "served": 5},
    ]

    matrix = summaries.coverage_matrix(allocations, CATEGORY, months=3)

    assert matrix.rows == ["artillery", "drones"]
    assert matrix.values == [[0.5, 1.0, 1.0], [None, 0.5, 0.5]]


def test_growth_is_output_over_the_baseline_month_s() -> None:
    deliveries = [
        {"item": "art", "month": 0, "quantity": 10, "value": 100},
        {"item": "art", "month": 2, "quantity": 200, "value": 2000},
        {"item": "fpv", "month": 1, "quantity": 5, "value": 50},
    ]

    growth = summaries.output_growth(deliveries, CATEGORY, months=3, baseline=0)

    assert growth.by_category == {"artillery": [1.0, 0.0, 20.0]}
    assert growth.by_value == [1.0, 0.5, 20.0]
    assert growth.without_baseline == ["drones"]


def test_spend_is_set_against_each_year_s_budget() -> None:
    funds = [{"code": "dk", "name": "DK", "budget": {"2026": 100.0}}]
    payments = [
        {"fund": "dk", "year": 2026, "amount": 60.0},
        {"fund": "dk", "year": 2026, "amount": 15.0},
        {"fund": "dk", "year": 2027, "amount": 5.0},
    ]

    spends = summaries.spend_against_budget(funds, payments)

    assert [(s.year, s.budget, s.spent) for s in spends] == [(2026, 100.0, 75.0), (2027, 0.0, 5.0)]
    assert spends[0].share == 0.75
    assert spends[1].share is None


def test_money_flows_from_funds_through_categories_to_producers() -> None:
    payments = [
        {"fund": "state", "line": "l1", "expansion": None, "year": 2026, "amount": 30.0},
        {"fund": "dk", "line": "l2", "expansion": None, "year": 2026, "amount": 20.0},
        {"fund": "dk", "line": None, "expansion": "e1", "year": 2026, "amount": 5.0},
    ]
    deliveries = [
        {"line": "l1", "producer": "p1", "item": "art"},
        {"line": "l2", "producer": "p2", "item": "fpv"},
    ]
    expansions = [{"expansion": "e1", "line": "l1"}]

    flows = summaries.money_flows(payments, deliveries, expansions, CATEGORY, producers_shown=1)

    links = {
        (flows.nodes[s], flows.nodes[t]): v
        for s, t, v in zip(flows.sources, flows.targets, flows.values, strict=True)
    }
    assert links == {
        ("dk", "artillery"): 5.0,
        ("dk", "drones"): 20.0,
        ("state", "artillery"): 30.0,
        ("artillery", "p1"): 35.0,
        ("drones", summaries.OTHER): 20.0,
    }


def test_utilisation_is_deliveries_over_capacity() -> None:
    lines = [{"code": "l1", "capacity": [10, 20, 30]}, {"code": "l2", "capacity": 0}]
    deliveries = [{"line": "l1", "month": 1, "quantity": 15.0}]

    use = summaries.utilisation(lines, deliveries, months=3)

    assert use["l1"].share == pytest.approx(0.25)
    assert use["l2"].share is None


def progress(
    category: str, item: str | None, months: list[tuple[str, float | None]]
) -> TargetProgress:
    """A target of a category (or one of its items) with these monthly targets, nothing else."""
    return TargetProgress(
        id=1, category=category, item=item, period=months[-1][0], quantity=None, multiple=1.0,
        base_month=None, note="", version=1, created_at=datetime(2026, 1, 1, tzinfo=UTC),
        months=[
            TargetMonth(month=month, target=target, plan=0.0, actual=0.0, growth=None)
            for month, target in months
        ],
        base_output=None, base_source=None, target_total=None, plan_total=0.0,
        actual_total=0.0, plan_to_date=0.0, actual_to_date=0.0, status="on_track", reasons=[],
        contracts=[],
    )  # fmt: skip


def test_a_category_target_is_put_on_the_growth_scale() -> None:
    deliveries = [
        {"item": "art", "month": 0, "quantity": 10, "value": 100},
        {"item": "art", "month": 2, "quantity": 200, "value": 2000},
        {"item": "fpv", "month": 1, "quantity": 5, "value": 50},
    ]
    growth = summaries.output_growth(deliveries, CATEGORY, months=3, baseline=0)
    target = progress(
        "artillery",
        None,
        [
            ("2025-12", 999),  # before the horizon
            ("2026-01", None),  # the base month: no target of its own
            ("2026-02", 150),
            ("2026-03", 150),
            ("2026-04", 150),  # after it
        ],
    )
    one_item = progress("artillery", "art", [("2026-02", 7)])
    no_base = target.model_copy(update={"category": "drones"})  # nothing made in the baseline

    ratios = summaries.target_ratios(growth, [target, one_item, no_base], "2026-01")

    # 150 a month against the 10 made in the baseline month: x15, as the lines read
    assert ratios == {"artillery": [None, 15.0, 15.0]}
    assert growth.base == {"artillery": 10.0}


def test_the_growth_chart_draws_a_target_in_its_category_s_colour() -> None:
    from kuznia.web.charts import growth_lines
    from kuznia.web.i18n import Language

    deliveries = [
        {"item": "art", "month": 0, "quantity": 10, "value": 100},
        {"item": "fpv", "month": 0, "quantity": 5, "value": 50},
    ]
    growth = summaries.output_growth(deliveries, CATEGORY, months=2, baseline=0)

    figure = growth_lines(growth, Language("en"), "2026-01", {"drones": [None, 3.0]})

    lines = {trace["name"]: trace for trace in figure["data"]}
    target = lines["target: drones"]
    assert target["y"] == [None, 3.0]
    assert target["marker"]["color"] == lines["drones"]["line"]["color"]
    assert figure["layout"]["yaxis"]["type"] == "log"
