"""Bad input is refused with every problem at once, each at its JSON path.

One test per rule of INSTANCE.md, "Bad input", and of `kuznia.instance.validate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kuznia.instance import InstanceError, Line, Problem, parse_instance, read_instance
from kuznia.instance.validate import check_instance


def valid_instance() -> dict[str, Any]:
    """A small valid instance with one record of every kind, for a test to break."""
    return {
        "format": "kuznia-instance/1",
        "name": "test",
        "start": "2026-01",
        "months": 3,
        "items": [
            {"id": "art-155", "name": "155 mm round", "category": "artillery_ammunition"},
        ],
        "producers": [
            {
                "id": "p001",
                "name": "Forge One",
                "ownership": "joint_venture",
                "region": "region-07",
                "partners": [{"country": "DK", "share": 0.3}],
            },
        ],
        "lines": [
            {
                "id": "l0001",
                "producer": "p001",
                "item": "art-155",
                "capacity": 12000,
                "price": 3100.0,
            },
        ],
        "expansions": [
            {"id": "e001", "line": "l0001", "start": 0, "added_capacity": 8000, "capex": 4.0e7},
        ],
        "groupings": [{"id": "g-east", "name": "East"}],
        "needs": [
            {
                "item": "art-155",
                "grouping": "g-east",
                "month": 0,
                "quantity": 90000,
                "operation": "defensive",
            },
        ],
        "funds": [
            {
                "id": "state-budget",
                "budget": {"2026": 6.0e9},
                "eligible": {
                    "categories": ["artillery_ammunition"],
                    "producers": ["p001"],
                    "regions": ["region-07"],
                },
            },
        ],
        "foreign_supply": [{"item": "art-155", "month": 2, "quantity": 50000}],
        "stock": [{"item": "art-155", "quantity": 20000}],
        "commitments": [{"line": "l0001", "month": 1, "quantity": 5000}],
    }


def problems_in(document: dict[str, Any] | str) -> list[str]:
    """The problems `parse_instance` reports, as `path: message` lines."""
    with pytest.raises(InstanceError) as caught:
        parse_instance(document)
    return [str(problem) for problem in caught.value.problems]


def test_the_valid_instance_has_no_problems() -> None:
    instance = parse_instance(valid_instance())

    assert instance.lines[0].capacity == 12000


class TestNegativeValues:
    @pytest.mark.parametrize("section", ["needs", "foreign_supply", "stock", "commitments"])
    def test_a_negative_quantity_is_refused(self, section: str) -> None:
        document = valid_instance()
        document[section][0]["quantity"] = -5

        assert problems_in(document) == [f"{section}[0].quantity: must be a number >= 0, got -5"]

    def test_a_negative_capacity_is_refused(self) -> None:
        document = valid_instance()
        document["lines"][0]["capacity"] = -1

        assert problems_in(document) == [
            "lines[0].capacity: must be a number >= 0 or a list of numbers >= 0, got -1"
        ]

    def test_a_negative_capacity_in_a_per_month_list_is_refused_at_its_month(self) -> None:
        document = valid_instance()
        document["lines"][0]["capacity"] = [12000, -1, 12000]

        assert problems_in(document) == ["lines[0].capacity[1]: must be a number >= 0, got -1"]

    def test_a_negative_budget_is_refused(self) -> None:
        document = valid_instance()
        document["funds"][0]["budget"] = {"2026": -1.5}

        assert problems_in(document) == ["funds[0].budget.2026: must be a number >= 0, got -1.5"]

    def test_a_negative_capex_is_refused(self) -> None:
        document = valid_instance()
        document["expansions"][0]["capex"] = -4.0e7

        assert problems_in(document) == [
            "expansions[0].capex: must be a number >= 0, got -40000000.0"
        ]


class TestUpperBounds:
    """Bounds that keep a solve finite: quantities and prices at most 1e9, money 1e13."""

    def test_a_capacity_of_1e308_is_refused_naming_the_bound(self) -> None:
        document = valid_instance()
        document["lines"][0]["capacity"] = 1e308

        assert problems_in(document) == [
            "lines[0].capacity: capacity 1e+308 is more than the largest allowed, "
            "1e9 units per month"
        ]

    def test_a_price_in_a_per_month_list_is_refused_at_its_month(self) -> None:
        document = valid_instance()
        document["lines"][0]["price"] = [5000, 2e9, 5000]

        assert problems_in(document) == [
            "lines[0].price[1]: price 2e+09 is more than the largest allowed, 1e9 per unit"
        ]

    def test_quantities_budgets_and_capex_above_their_bounds_are_each_named(self) -> None:
        document = valid_instance()
        document["needs"][0]["quantity"] = 1_000_000_001
        document["stock"][0]["quantity"] = 1e10
        document["funds"][0]["budget"] = {"2026": 2e13}
        document["expansions"][0]["capex"] = 1e14

        assert problems_in(document) == [
            "expansions[0].capex: capex 1e+14 is more than the largest allowed, 1e13",
            "needs[0].quantity: quantity 1e+09 is more than the largest allowed, "
            "1e9 units per month",
            "funds[0].budget.2026: budget 2e+13 is more than the largest allowed, 1e13 per year",
            "stock[0].quantity: quantity 1e+10 is more than the largest allowed, 1e9 units",
        ]

    def test_the_bounds_themselves_are_allowed(self) -> None:
        document = valid_instance()
        document["lines"][0]["capacity"] = 1e9
        document["funds"][0]["budget"] = {"2026": 1e13}

        assert parse_instance(document).lines[0].capacity == 1e9


class TestPerMonthLists:
    def test_a_capacity_list_shorter_than_the_horizon_is_refused(self) -> None:
        document = valid_instance()
        document["lines"][0]["capacity"] = [12000, 12000]

        assert problems_in(document) == [
            "lines[0].capacity: list of 2 values, expected 3 (one per month)"
        ]

    def test_a_price_list_longer_than_the_horizon_is_refused(self) -> None:
        document = valid_instance()
        document["lines"][0]["price"] = [3100.0, 3100.0, 3100.0, 3100.0]

        assert problems_in(document) == [
            "lines[0].price: list of 4 values, expected 3 (one per month)"
        ]


class TestDuplicateIds:
    @pytest.mark.parametrize(
        ("section", "expected"),
        [
            ("items", 'items[1].id: duplicate item id "art-155", first at items[0]'),
            ("producers", 'producers[1].id: duplicate producer id "p001", first at producers[0]'),
            ("lines", 'lines[1].id: duplicate line id "l0001", first at lines[0]'),
            (
                "expansions",
                'expansions[1].id: duplicate expansion id "e001", first at expansions[0]',
            ),
            ("groupings", 'groupings[1].id: duplicate grouping id "g-east", first at groupings[0]'),
            ("funds", 'funds[1].id: duplicate fund id "state-budget", first at funds[0]'),
        ],
    )
    def test_a_second_record_with_the_same_id_is_refused(self, section: str, expected: str) -> None:
        document = valid_instance()
        document[section].append(dict(document[section][0]))

        assert problems_in(document) == [expected]

    def test_stock_listed_twice_for_one_item_is_refused(self) -> None:
        document = valid_instance()
        document["stock"].append({"item": "art-155", "quantity": 1000})

        assert problems_in(document) == [
            'stock[1].item: stock of item "art-155" listed twice, first at stock[0]'
        ]


class TestUnknownReferences:
    @pytest.mark.parametrize(
        ("section", "field", "expected"),
        [
            ("lines", "producer", 'lines[0].producer: unknown producer "x-1"'),
            ("lines", "item", 'lines[0].item: unknown item "x-1"'),
            ("expansions", "line", 'expansions[0].line: unknown line "x-1"'),
            ("needs", "item", 'needs[0].item: unknown item "x-1"'),
            ("needs", "grouping", 'needs[0].grouping: unknown grouping "x-1"'),
            ("foreign_supply", "item", 'foreign_supply[0].item: unknown item "x-1"'),
            ("stock", "item", 'stock[0].item: unknown item "x-1"'),
            ("commitments", "line", 'commitments[0].line: unknown line "x-1"'),
        ],
    )
    def test_a_reference_to_a_missing_record_is_refused(
        self, section: str, field: str, expected: str
    ) -> None:
        document = valid_instance()
        document[section][0][field] = "x-1"

        assert problems_in(document) == [expected]

    def test_the_message_names_the_unknown_item(self) -> None:
        document = valid_instance()
        document["lines"][0]["item"] = "art-152"

        assert problems_in(document) == ['lines[0].item: unknown item "art-152"']

    @pytest.mark.parametrize(
        ("field", "expected"),
        [
            ("categories", 'funds[0].eligible.categories[1]: unknown category "x-1"'),
            ("producers", 'funds[0].eligible.producers[1]: unknown producer "x-1"'),
            ("regions", 'funds[0].eligible.regions[1]: unknown region "x-1"'),
        ],
    )
    def test_a_fund_eligible_for_something_that_does_not_exist_is_refused(
        self, field: str, expected: str
    ) -> None:
        document = valid_instance()
        document["funds"][0]["eligible"][field].append("x-1")

        assert problems_in(document) == [expected]


class TestUnknownFields:
    def test_an_unknown_field_in_a_record_is_refused(self) -> None:
        document = valid_instance()
        document["items"][0]["x"] = 1

        assert problems_in(document) == ['items[0].x: unknown field "x"']

    def test_a_misspelt_section_is_refused(self) -> None:
        document = valid_instance()
        document["need"] = document.pop("needs")

        assert problems_in(document) == ['need: unknown field "need"']

    def test_an_unknown_field_in_a_nested_object_is_refused(self) -> None:
        document = valid_instance()
        document["funds"][0]["eligible"]["category"] = ["artillery_ammunition"]

        assert problems_in(document) == ['funds[0].eligible.category: unknown field "category"']


class TestMonths:
    @pytest.mark.parametrize(
        ("section", "field", "expected"),
        [
            ("needs", "month", "needs[0].month: month 3 is outside the horizon 0..2"),
            (
                "foreign_supply",
                "month",
                "foreign_supply[0].month: month 3 is outside the horizon 0..2",
            ),
            ("commitments", "month", "commitments[0].month: month 3 is outside the horizon 0..2"),
            ("expansions", "start", "expansions[0].start: month 3 is outside the horizon 0..2"),
        ],
    )
    def test_a_month_after_the_horizon_is_refused(
        self, section: str, field: str, expected: str
    ) -> None:
        document = valid_instance()
        document[section][0][field] = 3

        assert problems_in(document) == [expected]

    def test_a_negative_month_is_reported_once(self) -> None:
        document = valid_instance()
        document["needs"][0]["month"] = -1

        assert problems_in(document) == ["needs[0].month: must be an integer >= 0, got -1"]

    def test_the_last_month_of_the_horizon_is_accepted(self) -> None:
        document = valid_instance()
        document["needs"][0]["month"] = 2

        assert parse_instance(document).needs[0].month == 2

    @pytest.mark.parametrize(
        ("start", "expected"),
        [
            ("2026-13", 'start: must be a month written YYYY-MM, got "2026-13"'),
            ("2026-1", 'start: must be a month written YYYY-MM, got "2026-1"'),
            ("26-01", 'start: must be a month written YYYY-MM, got "26-01"'),
            ("2026-01-01", 'start: must be a month written YYYY-MM, got "2026-01-01"'),
            (202601, "start: must be a month written YYYY-MM, got 202601"),
        ],
    )
    def test_a_start_that_is_not_yyyy_mm_is_refused(self, start: object, expected: str) -> None:
        document = valid_instance()
        document["start"] = start

        assert problems_in(document) == [expected]

    def test_a_budget_key_that_is_not_a_year_is_refused(self) -> None:
        document = valid_instance()
        document["funds"][0]["budget"] = {"2026": 6.0e9, "FY27": 6.5e9}

        assert problems_in(document) == ['funds[0].budget.FY27: "FY27" is not a 4-digit year']


class TestJointVentures:
    @pytest.mark.parametrize("share", [0, -0.1, 1.5])
    def test_a_share_outside_zero_to_one_is_refused(self, share: float) -> None:
        document = valid_instance()
        document["producers"][0]["partners"][0]["share"] = share

        assert problems_in(document) == [
            f"producers[0].partners[0].share: must be a number > 0 and <= 1, got {share}"
        ]

    def test_a_share_of_exactly_one_is_accepted(self) -> None:
        document = valid_instance()
        document["producers"][0]["partners"][0]["share"] = 1

        assert parse_instance(document).producers[0].partners[0].share == 1

    def test_shares_summing_above_one_are_refused(self) -> None:
        document = valid_instance()
        document["producers"][0]["partners"].append({"country": "PL", "share": 0.8})

        assert problems_in(document) == [
            "producers[0].partners: partner shares sum to 1.1, more than 1"
        ]

    def test_shares_summing_to_one_despite_rounding_are_accepted(self) -> None:
        document = valid_instance()
        document["producers"][0]["partners"] = [
            {"country": "DK", "share": 0.1},
            {"country": "PL", "share": 0.2},
            {"country": "SE", "share": 0.7},
        ]

        assert len(parse_instance(document).producers[0].partners) == 3

    def test_partners_of_a_producer_that_is_not_a_joint_venture_are_refused(self) -> None:
        document = valid_instance()
        document["producers"][0]["ownership"] = "state"

        assert problems_in(document) == [
            'producers[0].partners: producer "p001" is "state"; only a joint_venture has partners'
        ]


class TestStructure:
    def test_a_missing_required_field_is_refused(self) -> None:
        document = valid_instance()
        del document["lines"][0]["capacity"]

        assert problems_in(document) == ["lines[0].capacity: required field is missing"]

    def test_a_number_written_as_text_is_refused(self) -> None:
        document = valid_instance()
        document["months"] = "3"

        assert problems_in(document) == ['months: must be an integer >= 1 and <= 600, got "3"']

    def test_true_is_not_a_number(self) -> None:
        document = valid_instance()
        document["lines"][0]["capacity"] = True

        assert problems_in(document) == [
            "lines[0].capacity: must be a number >= 0 or a list of numbers >= 0, got true"
        ]

    def test_an_unknown_operation_is_refused(self) -> None:
        document = valid_instance()
        document["needs"][0]["operation"] = "attack"

        assert problems_in(document) == [
            'needs[0].operation: must be one of "defensive", "offensive", "stabilization", '
            'got "attack"'
        ]

    def test_another_format_is_refused(self) -> None:
        document = valid_instance()
        document["format"] = "kuznia-instance/2"

        assert problems_in(document) == [
            'format: must be "kuznia-instance/1", got "kuznia-instance/2"'
        ]

    def test_a_document_that_is_not_an_object_is_refused(self) -> None:
        assert problems_in("[]") == ["$: must be an object, got []"]

    def test_text_that_is_not_json_is_refused_with_its_position(self) -> None:
        text = '{\n "start": "2026-01",\n "months": }'

        assert problems_in(text) == ["$: not valid JSON at line 3 column 12: Expecting value"]

    def test_a_key_given_twice_in_one_object_is_refused(self) -> None:
        text = '{"start": "2026-01", "months": 3, "months": 4}'

        assert problems_in(text) == ['months: key "months" given twice in one object']


class TestReport:
    def test_every_problem_in_a_file_is_reported_at_once(self) -> None:
        document = valid_instance()
        document["months"] = 2
        document["items"][0]["colour"] = "green"
        document["lines"][0]["item"] = "art-152"
        document["lines"][0]["price"] = [3100.0, -1]
        document["needs"][0]["quantity"] = -5
        document["needs"][0]["grouping"] = "g-west"
        document["foreign_supply"][0]["month"] = 2
        document["funds"][0]["budget"] = {"2026": 6.0e9, "27": 1.0}

        assert problems_in(document) == [
            'items[0].colour: unknown field "colour"',
            "lines[0].price[1]: must be a number >= 0, got -1",
            'lines[0].item: unknown item "art-152"',
            "needs[0].quantity: must be a number >= 0, got -5",
            'needs[0].grouping: unknown grouping "g-west"',
            'funds[0].budget.27: "27" is not a 4-digit year',
            "foreign_supply[0].month: month 2 is outside the horizon 0..1",
        ]

    def test_the_error_message_lists_every_problem(self) -> None:
        document = valid_instance()
        document["lines"][0]["item"] = "art-152"
        document["lines"][0]["capacity"] = -1

        with pytest.raises(InstanceError) as caught:
            parse_instance(document)

        assert str(caught.value) == (
            "2 problems in the instance:\n"
            "  lines[0].capacity: must be a number >= 0 or a list of numbers >= 0, got -1\n"
            '  lines[0].item: unknown item "art-152"'
        )

    def test_an_instance_built_in_code_is_checked_by_the_same_rules(self) -> None:
        instance = parse_instance(valid_instance())
        line = Line(id="l0002", producer="p001", item="art-152", capacity=[1, 2], price=3.0)
        broken = instance.model_copy(update={"lines": [*instance.lines, line]})

        assert check_instance(broken) == [
            Problem("lines[1].item", 'unknown item "art-152"'),
            Problem("lines[1].capacity", "list of 2 values, expected 3 (one per month)"),
        ]

    def test_a_problem_carries_its_location_and_kind_as_data(self) -> None:
        document = valid_instance()
        document["lines"][0]["item"] = "art-152"
        document["stock"].append(dict(document["stock"][0]))
        del document["needs"][0]["month"]

        with pytest.raises(InstanceError) as caught:
            parse_instance(document)

        assert [(p.location, p.code, p.refers_to, p.first) for p in caught.value.problems] == [
            (("lines", 0, "item"), "unknown_reference", "items", None),
            (("needs", 0, "month"), "missing", None, None),
            (("stock", 1, "item"), "duplicate", None, ("stock", 0)),
        ]

    def test_a_duplicate_names_its_first_record_as_the_reader_asks(self) -> None:
        problem = Problem.at(
            ("stock", 1, "item"),
            'stock of item "art-155" listed twice, first at stock[0]',
            code="duplicate",
            first=("stock", 0),
        )

        assert problem.path == "stock[1].item"
        assert problem.naming_first("in Stock!A2") == (
            'stock of item "art-155" listed twice, first in Stock!A2'
        )

    def test_a_problem_reads_as_path_and_message(self) -> None:
        problem = Problem("lines[17].item", 'unknown item "art-152"')

        assert str(problem) == 'lines[17].item: unknown item "art-152"'

    def test_a_key_that_is_not_a_plain_word_is_quoted_in_the_path(self) -> None:
        document = valid_instance()
        document["funds"][0]["budget"] = {"2026 ": 6.0e9}

        assert problems_in(document) == ['funds[0].budget["2026 "]: "2026 " is not a 4-digit year']


class TestReadingFiles:
    def test_a_missing_file_is_reported_as_a_problem(self, tmp_path: Path) -> None:
        path = tmp_path / "missing.json"

        with pytest.raises(InstanceError) as caught:
            read_instance(path)

        assert caught.value.problems == [Problem("$", "no such file")]
        assert str(caught.value) == f"{path}: 1 problem in the instance:\n  $: no such file"

    def test_a_file_that_is_not_json_names_the_file_and_position(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.json"
        path.write_text('{"start": "2026-01",\n "months": 3,,}', encoding="utf-8")

        with pytest.raises(InstanceError) as caught:
            read_instance(path)

        assert caught.value.source == str(path)
        assert [str(problem) for problem in caught.value.problems] == [
            "$: not valid JSON at line 2 column 14: "
            "Expecting property name enclosed in double quotes"
        ]

    def test_a_file_that_is_not_utf8_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "latin1.json"
        path.write_bytes('{"name": "Kraków"}'.encode("latin-1"))

        with pytest.raises(InstanceError) as caught:
            read_instance(path)

        assert caught.value.problems == [Problem("$", "not UTF-8 text at byte offset 14")]
