"""The registry as a snapshot: import an instance, export it back, exactly; all or nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.db import session_scope
from kuznia.instance import Instance, InstanceError, Line, parse_instance
from kuznia.registry import (
    RegistryEmptyError,
    RegistryNotEmptyError,
    export_instance,
    import_instance,
    registry_is_empty,
    snapshot,
)
from kuznia.registry.sections import INSTANCE_SECTIONS
from kuznia.synthetic import generate
from tests.db.builders import MINIMAL, VARIED, as_json, document, varied


def load(engine: Engine, instance: Instance, *, replace: bool = False) -> None:
    with session_scope(engine) as session:
        import_instance(session=session, instance=instance, replace=replace)


def unload(engine: Engine) -> Instance:
    with session_scope(engine) as session:
        return export_instance(session=session)


def row_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in snapshot.REGISTRY_TABLES
        }


class TestRoundTrip:
    @pytest.mark.parametrize("size", ["tiny", "small"])
    def test_a_synthetic_instance_comes_back_exactly(self, engine: Engine, size: str) -> None:
        instance = generate(size, seed=7)

        load(engine, instance)
        exported = unload(engine)

        assert as_json(exported) == as_json(instance)
        assert document(exported) == document(instance)

    def test_employees_window_commitments_and_export_orders_come_back_exactly(
        self, engine: Engine
    ) -> None:
        source = document(generate("small", seed=3, economy=True))
        line = source["lines"][0]["id"]
        source["commitments"].append({"line": line, "from": 2, "to": 5, "quantity": 10})
        instance = parse_instance(source)

        load(engine, instance)
        exported = unload(engine)

        assert as_json(exported) == as_json(instance)
        assert document(exported)["commitments"][-1] == {
            "line": line,
            "from": 2,
            "to": 5,
            "quantity": 10,
        }
        assert len(document(exported)["export_orders"]) == 2
        assert all("employees" in producer for producer in document(exported)["producers"])

    @pytest.mark.slow
    def test_the_national_instance_comes_back_exactly(self, engine: Engine) -> None:
        instance = generate("national", seed=7)

        load(engine, instance)
        exported = unload(engine)

        assert as_json(exported) == as_json(instance)

    def test_every_form_of_a_value_comes_back_as_written(self, engine: Engine) -> None:
        load(engine, varied())

        exported = document(unload(engine))

        assert exported == json.loads(VARIED)
        # What equality of parsed JSON cannot see (1 == 1.0 in Python): the JSON text.
        assert as_json(parse_instance(exported)) == as_json(varied())
        assert exported["lines"][0]["capacity"] == [100, 250.5, 300.0]
        assert [type(value) for value in exported["lines"][0]["capacity"]] == [int, float, float]
        assert type(exported["lines"][2]["capacity"]) is float
        assert type(exported["producers"][2]["partners"][0]["share"]) is int
        assert list(exported["funds"][0]["budget"]) == ["2027", "2026"]
        assert exported["funds"][1]["eligible"] == {
            "ownership": ["joint_venture", "private"],
            "producers": ["p2", "p4"],
        }
        assert exported["operation_weights"] == {"offensive": 2.5, "defensive": 3}
        assert "commitments" not in exported
        assert exported["producers"][3]["partners"] == []

    def test_an_instance_with_every_optional_field_left_out_comes_back_so(
        self, engine: Engine
    ) -> None:
        load(engine, parse_instance(MINIMAL))

        assert document(unload(engine)) == json.loads(MINIMAL)

    def test_file_to_database_and_back_twice_is_a_fixed_point(self, engine: Engine) -> None:
        first = varied()

        load(engine, first)
        second = unload(engine)
        load(engine, second, replace=True)
        third = unload(engine)

        assert as_json(first) == as_json(second) == as_json(third)

    def test_export_writes_a_field_that_was_left_out_once_it_changes(self, engine: Engine) -> None:
        load(engine, varied())
        with session_scope(engine) as session:
            item = session.scalars(select(models.Item).where(models.Item.code == "art-155")).one()
            assert item.unit == "pcs"
            assert item.defaulted == ["unit"]
            item.unit = "rounds"

        exported = document(unload(engine))

        assert exported["items"][0]["unit"] == "rounds"

    def test_export_keeps_the_fraction_of_a_number_once_written_as_an_integer(
        self, engine: Engine
    ) -> None:
        load(engine, varied())
        with session_scope(engine) as session:
            need = session.scalars(select(models.Need).order_by(models.Need.id)).first()
            assert need is not None
            assert need.quantity_is_int
            need.quantity = 900.5

        exported = document(unload(engine))

        assert exported["needs"][0]["quantity"] == 900.5


class TestImportRefusals:
    def test_a_registry_holding_data_is_not_overwritten(self, engine: Engine) -> None:
        load(engine, generate("tiny", seed=1))
        before = as_json(unload(engine))

        with pytest.raises(RegistryNotEmptyError, match="replace"):
            load(engine, generate("tiny", seed=2))

        assert as_json(unload(engine)) == before

    def test_replace_swaps_the_whole_registry(self, engine: Engine) -> None:
        load(engine, generate("small", seed=1))
        replacement = generate("tiny", seed=2)

        load(engine, replacement, replace=True)

        assert as_json(unload(engine)) == as_json(replacement)
        assert row_counts(engine)["needs"] == len(replacement.needs)

    def test_replace_into_an_empty_registry_imports(self, engine: Engine) -> None:
        instance = generate("tiny", seed=3)

        load(engine, instance, replace=True)

        assert as_json(unload(engine)) == as_json(instance)

    def test_an_instance_with_an_unknown_reference_is_refused_whole(self, engine: Engine) -> None:
        broken = varied().model_copy(
            update={
                "lines": [
                    *varied().lines,
                    Line(id="l9", producer="p-nowhere", item="fpv", capacity=1, price=1),
                ]
            }
        )

        with pytest.raises(InstanceError) as raised:
            load(engine, broken)

        assert [str(problem) for problem in raised.value.problems] == [
            'lines[4].producer: unknown producer "p-nowhere"'
        ]
        assert set(row_counts(engine).values()) == {0}

    def test_a_broken_instance_leaves_the_registry_it_would_replace(self, engine: Engine) -> None:
        load(engine, varied())
        before = row_counts(engine)
        broken = varied().model_copy(update={"months": 2})

        with pytest.raises(InstanceError, match="outside the horizon"):
            load(engine, broken, replace=True)

        assert row_counts(engine) == before
        assert as_json(unload(engine)) == as_json(varied())

    def test_an_integer_too_large_for_a_double_is_refused(self, engine: Engine) -> None:
        # A lead time: quantities are bounded far lower (kuznia.instance.validate).
        text = VARIED.replace('"lead_time": 1,', f'"lead_time": {2**53 + 1},')

        with pytest.raises(InstanceError) as raised:
            load(engine, parse_instance(text))

        assert [str(problem) for problem in raised.value.problems] == [
            "lines[2].lead_time: integer 9007199254740993 is too large to store exactly (> 2**53)"
        ]

    def test_a_lead_time_beyond_a_stored_whole_number_is_refused(self, engine: Engine) -> None:
        # SQLite would keep it; PostgreSQL's integer column refuses it
        text = VARIED.replace('"lead_time": 1,', '"lead_time": 99999999999,')

        with pytest.raises(InstanceError) as raised:
            load(engine, parse_instance(text))

        assert [str(problem) for problem in raised.value.problems] == [
            "lines[2].lead_time: integer 99999999999 is above 2,147,483,647, the largest whole "
            "number stored"
        ]

    def test_a_failure_midway_leaves_the_registry_unchanged(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        load(engine, varied())
        before = row_counts(engine)
        insert = snapshot.insert_rows

        def insert_then_fail(session: Session, model: type[Any], rows: list[Any]) -> None:
            insert(session, model, rows)
            if model is models.Need:
                raise RuntimeError("disk full")

        monkeypatch.setattr(snapshot, "insert_rows", insert_then_fail)

        with session_scope(engine) as session:
            with pytest.raises(RuntimeError, match="disk full"):
                import_instance(session=session, instance=generate("small", seed=1), replace=True)
            # The caller's session goes on: the import's own SAVEPOINT was rolled back.
            assert not registry_is_empty(session=session)

        assert row_counts(engine) == before
        assert as_json(unload(engine)) == as_json(varied())


class TestSections:
    def test_every_list_of_the_instance_format_has_its_section(self) -> None:
        lists = [
            name
            for name, info in Instance.model_fields.items()
            if getattr(info.annotation, "__origin__", None) is list
        ]

        assert [section.name for section in INSTANCE_SECTIONS] == lists


class TestExport:
    def test_an_empty_registry_cannot_be_exported(self, engine: Engine) -> None:
        with pytest.raises(RegistryEmptyError, match="import an instance first"):
            unload(engine)


class TestOrganisationLinks:
    def link(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            producer = session.scalars(
                select(models.Producer).where(models.Producer.code == "p2")
            ).one()
            fund = session.scalars(select(models.Fund).where(models.Fund.code == "dk")).one()
            session.add_all(
                [
                    models.Organisation(
                        name="JV Ltd", kind=models.OrganisationKind.producer, producer=producer
                    ),
                    models.Organisation(
                        name="Denmark", kind=models.OrganisationKind.partner, funds=[fund]
                    ),
                ]
            )

    def links(self, engine: Engine) -> dict[str, list[str]]:
        with session_scope(engine) as session:
            return {
                organisation.name: [
                    *([organisation.producer.code] if organisation.producer else []),
                    *(fund.code for fund in organisation.funds),
                ]
                for organisation in session.scalars(select(models.Organisation))
            }

    def test_replace_keeps_links_to_producers_and_funds_of_the_same_id(
        self, engine: Engine
    ) -> None:
        load(engine, varied())
        self.link(engine)

        with session_scope(engine) as session:
            report = import_instance(session=session, instance=varied(), replace=True)

        assert report.unlinked_organisations == []
        assert self.links(engine) == {"JV Ltd": ["p2"], "Denmark": ["dk"]}

    def test_replace_reports_organisations_whose_producer_or_fund_is_gone(
        self, engine: Engine
    ) -> None:
        load(engine, varied())
        self.link(engine)

        with session_scope(engine) as session:
            report = import_instance(
                session=session, instance=generate("tiny", seed=1), replace=True
            )

        assert report.unlinked_organisations == ["Denmark", "JV Ltd"]
        assert self.links(engine) == {"JV Ltd": [], "Denmark": []}
