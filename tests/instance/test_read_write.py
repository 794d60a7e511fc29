"""Reading and writing instance files: file -> object -> file gives the same JSON document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kuznia.instance import (
    Instance,
    dump_instance,
    parse_instance,
    read_instance,
    write_instance,
)


def full_instance() -> dict[str, Any]:
    """The example of INSTANCE.md, every field written out."""
    return {
        "format": "kuznia-instance/1",
        "name": "national-2026",
        "start": "2026-01",
        "months": 24,
        "currency": "USD",
        "operation_weights": {"defensive": 3, "offensive": 2, "stabilization": 1},
        "items": [
            {
                "id": "art-155",
                "name": "155 mm round",
                "category": "artillery_ammunition",
                "unit": "pcs",
            }
        ],
        "producers": [
            {
                "id": "p001",
                "name": "Kuźnia Kraków",
                "ownership": "joint_venture",
                "region": "region-07",
                "partners": [{"country": "DK", "share": 0.3}],
            }
        ],
        "lines": [
            {
                "id": "l0001",
                "producer": "p001",
                "item": "art-155",
                "capacity": 12000,
                "price": 3100.0,
                "lead_time": 2,
                "min_rate": 0,
            }
        ],
        "expansions": [
            {
                "id": "e001",
                "line": "l0001",
                "start": 0,
                "delay": 6,
                "added_capacity": 8000,
                "capex": 40000000.0,
            }
        ],
        "groupings": [{"id": "g-east", "name": "East"}],
        "needs": [
            {
                "item": "art-155",
                "grouping": "g-east",
                "month": 0,
                "quantity": 90000,
                "operation": "defensive",
                "priority": 1,
            }
        ],
        "funds": [
            {
                "id": "state-budget",
                "name": "State budget",
                "kind": "state",
                "budget": {"2026": 6.0e9, "2027": 6.5e9},
                "eligible": {"categories": [], "ownership": [], "producers": [], "regions": []},
                "expansions": True,
            }
        ],
        "foreign_supply": [{"item": "art-155", "month": 3, "quantity": 50000}],
        "stock": [{"item": "art-155", "quantity": 20000}],
        "commitments": [{"line": "l0001", "month": 1, "quantity": 5000}],
    }


def round_trip(document: dict[str, Any], tmp_path: Path) -> Any:
    """`document` written as a file, read, written again, and loaded as plain JSON."""
    source = tmp_path / "source.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    target = tmp_path / "target.json"
    write_instance(read_instance(source), target)
    return json.loads(target.read_text(encoding="utf-8"))


class TestRead:
    def test_a_file_reads_into_typed_records(self, tmp_path: Path) -> None:
        path = tmp_path / "instance.json"
        path.write_text(json.dumps(full_instance()), encoding="utf-8")

        instance = read_instance(path)

        assert instance.name == "national-2026"
        assert instance.lines[0].capacity == 12000
        assert instance.funds[0].budget == {"2026": 6.0e9, "2027": 6.5e9}
        assert instance.producers[0].partners[0].share == 0.3

    def test_text_bytes_and_dict_read_the_same(self) -> None:
        document = full_instance()

        from_dict = parse_instance(document)

        assert parse_instance(json.dumps(document)) == from_dict
        assert parse_instance(json.dumps(document).encode("utf-8")) == from_dict

    def test_a_utf8_byte_order_mark_is_accepted(self, tmp_path: Path) -> None:
        path = tmp_path / "instance.json"
        path.write_bytes(b"\xef\xbb\xbf" + json.dumps(full_instance()).encode("utf-8"))

        assert read_instance(path).name == "national-2026"

    def test_missing_optional_fields_take_their_defaults(self) -> None:
        instance = parse_instance({"start": "2026-01", "months": 12})

        assert instance.format == "kuznia-instance/1"
        assert instance.name == "unnamed"
        assert instance.currency == "USD"
        assert instance.operation_weights.defensive == 3
        assert instance.lines == []

    def test_months_map_to_calendar_years_from_the_start(self) -> None:
        instance = parse_instance({"start": "2026-11", "months": 3})

        assert [instance.year_of_month(month) for month in range(3)] == [2026, 2026, 2027]


class TestRoundTrip:
    def test_a_full_document_comes_back_unchanged(self, tmp_path: Path) -> None:
        assert round_trip(full_instance(), tmp_path) == full_instance()

    def test_a_minimal_document_comes_back_without_added_defaults(self, tmp_path: Path) -> None:
        document = {"start": "2026-01", "months": 12}

        assert round_trip(document, tmp_path) == {"start": "2026-01", "months": 12}

    def test_missing_optional_fields_in_records_stay_missing(self, tmp_path: Path) -> None:
        document = {
            "start": "2026-01",
            "months": 2,
            "items": [{"id": "art-155", "name": "155 mm round", "category": "ammo"}],
            "funds": [{"id": "eu", "budget": {"2026": 1000}}],
        }

        assert round_trip(document, tmp_path) == document

    def test_per_month_lists_come_back_unchanged(self, tmp_path: Path) -> None:
        document = full_instance()
        document["months"] = 4
        document["lines"][0]["capacity"] = [12000, 0, 14000.5, 14000.5]
        document["lines"][0]["price"] = [3100, 3100.0, 3200.25, 3300]

        assert round_trip(document, tmp_path)["lines"][0] == {
            "id": "l0001",
            "producer": "p001",
            "item": "art-155",
            "capacity": [12000, 0, 14000.5, 14000.5],
            "price": [3100, 3100.0, 3200.25, 3300],
            "lead_time": 2,
            "min_rate": 0,
        }

    def test_ints_stay_ints_and_floats_stay_floats(self, tmp_path: Path) -> None:
        document = full_instance()
        document["producers"][0]["partners"][0]["share"] = 1
        document["lines"][0]["capacity"] = 12000.0

        written = round_trip(document, tmp_path)

        assert type(written["producers"][0]["partners"][0]["share"]) is int
        assert type(written["lines"][0]["capacity"]) is float
        assert type(written["needs"][0]["quantity"]) is int

    def test_written_defaults_are_kept(self, tmp_path: Path) -> None:
        document = {"start": "2026-01", "months": 1, "name": "unnamed", "currency": "USD"}

        assert round_trip(document, tmp_path) == document

    def test_writing_twice_gives_the_same_bytes(self, tmp_path: Path) -> None:
        first, second = tmp_path / "first.json", tmp_path / "second.json"

        write_instance(parse_instance(full_instance()), first)
        write_instance(read_instance(first), second)

        assert first.read_bytes() == second.read_bytes()


class TestWrite:
    def test_the_file_is_indented_json_with_fields_in_format_order(self, tmp_path: Path) -> None:
        path = tmp_path / "instance.json"

        write_instance(parse_instance({"months": 2, "start": "2026-01", "name": "x"}), path)

        assert path.read_text(encoding="utf-8") == (
            '{\n "name": "x",\n "start": "2026-01",\n "months": 2\n}\n'
        )

    def test_text_is_written_as_utf8_not_escaped(self, tmp_path: Path) -> None:
        path = tmp_path / "instance.json"

        write_instance(parse_instance(full_instance()), path)

        assert '"name": "Kuźnia Kraków"' in path.read_text(encoding="utf-8")

    def test_no_partial_file_is_left_behind(self, tmp_path: Path) -> None:
        write_instance(parse_instance(full_instance()), tmp_path / "instance.json")

        assert [path.name for path in tmp_path.iterdir()] == ["instance.json"]

    def test_an_instance_built_in_code_dumps_only_what_was_given(self) -> None:
        instance = Instance(start="2026-01", months=6, name="drill")

        assert dump_instance(instance) == {"name": "drill", "start": "2026-01", "months": 6}
