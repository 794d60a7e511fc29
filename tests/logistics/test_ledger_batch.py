"""A depot's day in one request (POST /ledger-batches): receipts and dispatches recorded in
their order by the rules of one at a time, all or none (the first bad event named by its index
and field, nothing written), idempotent per event by its client key. The world is
tests/logistics/conftest.py's: the logistics user runs d-north; C-1 (art-155) holds 700 units,
C-2 (fpv) 600, C-3 is a draft."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from kuznia.audit import verify
from kuznia.audit.reconcile import reconcile
from kuznia.db import session_scope
from kuznia.db.session import session_factory
from kuznia.logistics import repository
from kuznia.models import AuditEvent, Dispatch, Receipt
from tests.logistics.conftest import World
from tests.logistics.test_ledger import count, dispatch_body, receipt_body, stock_of

BATCHES = "/api/v1/ledger-batches"


def receipt(key: str, contract_id: int, accepted: int, **extra: Any) -> dict[str, Any]:
    return {"kind": "receipt", **receipt_body(key, contract_id, received=accepted, accepted=accepted, **extra)}  # fmt: skip


def dispatch(key: str, quantity: int, **extra: Any) -> dict[str, Any]:
    return {"kind": "dispatch", **dispatch_body(key, quantity, **extra)}


def day_of(world: World) -> list[dict[str, Any]]:
    """d-north's day: 120 art-155 and 50 fpv in, 70 art-155 and 20 fpv out."""
    return [
        receipt("r-1", world.c1, 100),
        dispatch("d-1", 60),
        receipt("r-2", world.c1, 20),
        receipt("r-3", world.c2, 50),
        dispatch("d-2", 10),
        dispatch("d-3", 20, item="fpv"),
    ]


def written(world: World) -> tuple[int, int, int]:
    """Receipts, dispatches and audit events stored."""
    return (
        count(world.engine, Receipt),
        count(world.engine, Dispatch),
        count(world.engine, AuditEvent),
    )


class TestRecording:
    def test_a_day_is_recorded_in_order_and_moves_stock(self, world: World) -> None:
        answer = world.api.post("logistics", BATCHES, json={"events": day_of(world)})

        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert (body["recorded"], body["stored_before"]) == (6, 0)
        assert [(e["index"], e["kind"], e["client_key"], e["created"]) for e in body["events"]] == [
            (0, "receipt", "r-1", True),
            (1, "dispatch", "d-1", True),
            (2, "receipt", "r-2", True),
            (3, "receipt", "r-3", True),
            (4, "dispatch", "d-2", True),
            (5, "dispatch", "d-3", True),
        ]
        # 100 + 20 - 60 - 10 = 50 art-155; 50 - 20 = 30 fpv
        assert stock_of(world) == [("d-north", "art-155", 50), ("d-north", "fpv", 30)]
        first = world.api.get("logistics", f"/api/v1/receipts/{body['events'][0]['id']}").json()
        assert (first["client_key"], first["accepted"], first["contract"]) == ("r-1", 100, "C-1")
        contract = world.api.get("planner", f"/api/v1/contracts/{world.c1}").json()
        assert contract["status"] == "in_delivery"

    def test_the_chain_holds_every_record_and_reconciles(self, world: World) -> None:
        world.api.post("logistics", BATCHES, json={"events": day_of(world)})

        with session_scope(world.engine) as session:
            assert verify(session=session).intact
            assert reconcile(session=session).mismatches == []
            created = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.entity.in_(["receipts", "dispatches"]), AuditEvent.action == "create"
                )
            )
        assert created == 6

    def test_a_retry_of_the_whole_batch_records_nothing_twice(self, world: World) -> None:
        first = world.api.post("logistics", BATCHES, json={"events": day_of(world)})
        before = written(world)

        again = world.api.post("logistics", BATCHES, json={"events": day_of(world)})

        assert again.status_code == 200, again.text
        assert (again.json()["recorded"], again.json()["stored_before"]) == (0, 6)
        assert [e["id"] for e in again.json()["events"]] == [
            e["id"] for e in first.json()["events"]
        ]
        assert not any(e["created"] for e in again.json()["events"])
        assert written(world) == before
        assert stock_of(world) == [("d-north", "art-155", 50), ("d-north", "fpv", 30)]

    def test_a_batch_of_stored_and_new_events_records_only_the_new(self, world: World) -> None:
        world.api.post("logistics", BATCHES, json={"events": day_of(world)[:2]})

        answer = world.api.post("logistics", BATCHES, json={"events": day_of(world)})

        assert answer.status_code == 201, answer.text
        assert [e["created"] for e in answer.json()["events"]] == [
            False,
            False,
            True,
            True,
            True,
            True,
        ]
        assert count(world.engine, Receipt) == 3


class TestAllOrNothing:
    def refused(self, world: World, events: list[dict[str, Any]], status: int) -> dict[str, Any]:
        before = written(world)
        answer = world.api.post("logistics", BATCHES, json={"events": events})
        assert answer.status_code == status, answer.text
        assert written(world) == before  # nothing of the batch written
        assert stock_of(world) == []
        problem: dict[str, Any] = answer.json()
        return problem

    def test_a_dispatch_beyond_the_stock_at_that_point_refuses_the_batch(
        self, world: World
    ) -> None:
        events = [receipt("r-1", world.c1, 30), dispatch("d-1", 20), dispatch("d-2", 11), receipt("r-2", world.c1, 100)]  # fmt: skip

        problem = self.refused(world, events, 409)

        assert problem["problems"][0]["field"] == "events[2].quantity"
        assert 'depot "d-north" holds 10 of item "art-155" at this event' in problem["detail"]
        assert problem["detail"].startswith("events[2]: ")

    def test_acceptance_beyond_the_contract_counts_the_batchs_earlier_receipts(
        self, world: World
    ) -> None:
        # C-1 holds 700: 400 + 300 fit, the third receipt's 1 does not
        events = [receipt("r-1", world.c1, 400), receipt("r-2", world.c1, 300), receipt("r-3", world.c1, 1)]  # fmt: skip

        problem = self.refused(world, events, 409)

        assert problem["problems"][0]["field"] == "events[2].accepted"
        assert (
            "contract C-1 has 0 left to accept: 700 contracted, 700 accepted so far"
            in problem["detail"]
        )

    def test_another_organisations_depot_is_not_found(self, world: World) -> None:
        events = [receipt("r-1", world.c1, 5), receipt("r-2", world.c1, 5, depot="d-south")]

        problem = self.refused(world, events, 404)

        assert problem["problems"] == [
            {"field": "events[1].depot", "message": 'depot "d-south" not found'}
        ]

    def test_a_draft_contract_refuses_the_batch(self, world: World) -> None:
        problem = self.refused(
            world, [receipt("r-1", world.c1, 5), receipt("r-2", world.c3, 5)], 409
        )

        assert problem["problems"][0]["field"] == "events[1].contract_id"
        assert "contract C-3 is draft" in problem["detail"]

    def test_a_day_in_the_future_is_named_by_its_index(self, world: World) -> None:
        problem = self.refused(
            world, [receipt("r-1", world.c1, 5), dispatch("d-1", 1, day="2999-01-01")], 422
        )

        assert problem["problems"][0]["field"] == "events[1].day"

    def test_an_unknown_grouping_is_named_by_its_index(self, world: World) -> None:
        problem = self.refused(
            world, [receipt("r-1", world.c1, 5), dispatch("d-1", 1, grouping="g-nowhere")], 422
        )

        assert problem["problems"] == [
            {"field": "events[1].grouping", "message": 'unknown grouping "g-nowhere"'}
        ]

    def test_a_malformed_event_is_refused_naming_its_index_and_field(self, world: World) -> None:
        bad = receipt("r-2", world.c1, 5) | {"accepted": 2.5}

        problem = self.refused(world, [receipt("r-1", world.c1, 5), bad], 422)

        assert problem["problems"] == [{"field": "events[1].accepted", "message": "must be an integer >= 0 and <= 1000000000000, got 2.5"}]  # fmt: skip

    def test_a_key_twice_in_one_batch_is_refused(self, world: World) -> None:
        problem = self.refused(
            world, [receipt("r-1", world.c1, 5), receipt("r-1", world.c1, 6)], 422
        )

        assert problem["problems"][0]["field"] == "events[1].client_key"

    def test_a_stored_key_with_other_content_refuses_the_batch(self, world: World) -> None:
        world.api.post("logistics", BATCHES, json={"events": [receipt("r-1", world.c1, 5)]})
        before = written(world)

        answer = world.api.post(
            "logistics",
            BATCHES,
            json={"events": [receipt("r-9", world.c1, 1), receipt("r-1", world.c1, 6)]},
        )

        assert answer.status_code == 409, answer.text
        assert answer.json()["problems"][0]["field"] == "events[1].client_key"
        assert "whose accepted, received differ" in answer.json()["detail"]
        assert written(world) == before

    def test_only_depot_staff_record_a_day(self, world: World) -> None:
        answer = world.api.post("planner", BATCHES, json={"events": [receipt("r-1", world.c1, 5)]})

        assert answer.status_code == 403


class TestRacingKeys:
    """Between a batch's check of its keys and its insert, a concurrent request may store one
    of them: the insert then says so (the batch answers 409, to be sent again) and nothing of
    it is kept: by COPY on PostgreSQL, by INSERT ... ON CONFLICT DO NOTHING on SQLite."""

    def test_an_insert_meeting_a_key_stored_meanwhile_keeps_nothing(self, world: World) -> None:
        answer = world.api.post(
            "logistics", BATCHES, json={"events": [receipt("r-1", world.c1, 10)]}
        )
        assert answer.status_code == 201
        with session_scope(world.engine) as session:
            stored = session.scalars(select(Receipt)).one()
            columns = [a.key for a in Receipt.__mapper__.column_attrs if a.key != "id"]
            first = {name: getattr(stored, name) for name in columns}
        racing = [{**first, "client_key": "r-9"}, first]  # r-1 stored "meanwhile"
        session = session_factory(world.engine)()
        try:
            assert repository.insert_all(session=session, model=Receipt, rows=racing) is None
        finally:
            session.rollback()
            session.close()
        assert written(world)[0] == 1
        with session_scope(world.engine) as session:
            fresh = repository.insert_all(
                session=session, model=Receipt, rows=[{**first, "client_key": "r-10"}]
            )
            assert fresh is not None
            assert set(fresh) == {"r-10"}
        assert written(world)[0] == 2
        with session_scope(world.engine) as session:
            assert verify(session=session).intact
