"""Critical producers and regions, and concentration (Herfindahl) per item."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from kuznia.planning import PlanInput
from kuznia.resilience import SweepInputError, close_client, find_critical, herfindahl, local_client
from tests.planning.builders import build, instance_dict, need


def single_source() -> dict[str, Any]:
    """Item "b" (drones) only "p" can make; item "a" (shells) "p", "q" and "r" make, 5 a month
    each. Needs: 5 "b" and 10 "a" every month for 3 months, defensive. "p" is in region r1, "q"
    and "r" in r2. The cheapest "a" lines are q's and r's, so the base plan buys "a" there."""
    doc = instance_dict(months=3, capacity=5, price=3.0)
    doc["items"].append({"id": "b", "name": "B", "category": "drones"})
    doc["producers"] += [
        {"id": "q", "name": "Q", "ownership": "private", "region": "r2"},
        {"id": "r", "name": "R", "ownership": "private", "region": "r2"},
    ]
    doc["lines"] += [
        {"id": "l2", "producer": "q", "item": "a", "capacity": 5, "price": 1.0},
        {"id": "l3", "producer": "r", "item": "a", "capacity": 5, "price": 1.0},
        {"id": "l4", "producer": "p", "item": "b", "capacity": 5, "price": 1.0},
    ]
    doc["needs"] = [need("a", t, 10) for t in range(3)] + [need("b", t, 5) for t in range(3)]
    return doc


class TestHerfindahl:
    def test_a_single_producer_is_one(self):
        assert herfindahl(np.array([[7.0], [0.0]])).tolist() == [1.0]

    def test_n_equal_producers_are_one_over_n(self):
        assert herfindahl(np.array([[3.0, 2.0], [3.0, 2.0], [0.0, 2.0], [0.0, 2.0]])).tolist() == [
            0.5,
            0.25,
        ]

    def test_an_item_nobody_supplies_has_no_index(self):
        assert math.isnan(herfindahl(np.zeros((3, 1)))[0])


class TestRanking:
    def test_the_single_source_producer_comes_first(self):
        report = find_critical(plan_input=PlanInput.from_instance(build(single_source())), top=3)
        producers = report.producers
        assert producers["producer"].tolist() == ["p", "q", "r"]
        first = producers.iloc[0]
        # without p no "b" at all: 5, 10, 15 short (30 unit-months, defensive x3 = 90) and "a"
        # loses nothing (q and r make the 10)
        assert first["increase_priority_1"] == pytest.approx(90)
        assert first["coverage_drop"] == pytest.approx(15 / 45)
        # without q (or r): 5 "a" a month come from p's dearer line instead: nothing short
        assert producers.iloc[1]["increase_priority_1"] == 0
        assert report.screened_out == 0
        assert report.regions["region"].tolist() == ["r1", "r2"]
        # without r2: 5 "a" short every month, backlog 5, 10, 15 (x3 = 90): as much as without
        # r1 (all "b" lost), and the same coverage; a tie keeps the regions' order
        assert report.regions["increase_priority_1"].tolist() == [pytest.approx(90)] * 2
        assert report.regions["coverage_drop"].tolist() == [
            pytest.approx(15 / 45),
            pytest.approx(15 / 45),
        ]

    def test_only_the_screens_top_k_are_re_planned_and_the_report_says_so(self):
        report = find_critical(plan_input=PlanInput.from_instance(build(single_source())), top=1)
        assert report.producers["replanned"].tolist() == [True, False, False]
        assert report.screened_out == 2
        assert report.note.startswith("1 of 3 producers re-planned")
        assert report.to_dict()["producers"][1]["increase_priority_1"] is None

    def test_concentration_per_item(self):
        report = find_critical(plan_input=PlanInput.from_instance(build(single_source())), top=0)
        table = report.concentration.set_index("item")
        assert table.loc["b", "hhi_deliveries"] == 1.0
        assert table.loc["b", "top_producer"] == "p"
        # "a": q and r deliver 5 a month each in the plan; capacity is p, q, r alike
        assert table.loc["a", "hhi_deliveries"] == pytest.approx(0.5)
        assert table.loc["a", "hhi_capacity"] == pytest.approx(1 / 3)
        assert table.loc["a", "producers"] == 3

    def test_re_plans_on_dask_give_the_same_ranking(self):
        plan_input = PlanInput.from_instance(build(single_source()))
        client = local_client(workers=1)
        try:
            on_dask = find_critical(plan_input=plan_input, top=3, client=client)
        finally:
            close_client(client)
        here = find_critical(plan_input=plan_input, top=3)
        assert on_dask.to_dict()["producers"] == here.to_dict()["producers"]
        assert on_dask.to_dict()["regions"] == here.to_dict()["regions"]

    def test_bad_counts_name_the_field_and_the_value(self):
        plan_input = PlanInput.from_instance(build(single_source()))
        with pytest.raises(SweepInputError, match=r"^top: must be 0 or more, got -1$"):
            find_critical(plan_input=plan_input, top=-1)
        with pytest.raises(SweepInputError, match=r"^workers: must be at least 1, got 0$"):
            find_critical(plan_input=plan_input, workers=0)
