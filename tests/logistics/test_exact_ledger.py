"""Books that reconcile: receipts bound to their contracts' delivery points and to what the
contract has left, whole units, days that are open, and nothing recorded under a contract
after it ended (decision 0010). The world is tests/logistics/conftest.py's: C-1 (art-155,
700 from 2026-10) and C-2 (fpv, 600 in 2026-11), both signed, delivered to every depot."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from kuznia.audit import Actor, set_actor
from kuznia.auth.permissions import Scope
from kuznia.db import session_scope
from kuznia.db.engine import SQLITE_BEGIN
from kuznia.db.session import session_factory
from kuznia.errors import Conflict, Forbidden, InvalidInput, KuzniaError, StaleVersion
from kuznia.logistics import service
from kuznia.logistics.schemas import ReceiptCreate, ReversalCreate
from kuznia.models import AuditEvent, Contract, DepotStock, Receipt, Role, User
from kuznia.settings import Settings
from tests.logistics.conftest import World

API = "/api/v1"


def receipt_body(key: str, contract: int, **fields: Any) -> dict[str, Any]:
    accepted, rejected = fields.pop("accepted", 10), fields.pop("rejected", 0)
    return {
        "client_key": key,
        "depot": fields.pop("depot", "d-north"),
        "contract_id": contract,
        "day": fields.pop("day", "2026-11-05"),
        "received": accepted + rejected,
        "accepted": accepted,
        "rejected": rejected,
        "reason": "dented" if rejected else "",
        **fields,
    }


def dispatch_body(key: str, **fields: Any) -> dict[str, Any]:
    return {
        "client_key": key,
        "depot": "d-north",
        "item": "art-155",
        "grouping": "g-east",
        "day": "2026-11-06",
        "quantity": 1,
        **fields,
    }


def scope_of(world: World, email: str, role: Role, depots: frozenset[int] = frozenset()) -> Scope:
    with session_scope(world.engine) as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        return Scope(
            user_id=user.id, role=role, organisation_id=user.organisation_id, depot_ids=depots
        )


def contract_version(world: World, contract_id: int) -> int:
    return int(world.api.get("planner", f"{API}/contracts/{contract_id}").json()["version"])


class TestDeliveryPoints:
    def test_approval_s_rule_every_depot_and_the_contract_shows_them(self, world: World) -> None:
        read = world.api.get("planner", f"{API}/contracts/{world.c1}").json()

        assert read["delivery_points"] == ["d-north", "d-south"]

    def test_a_planner_narrows_them_and_a_receipt_elsewhere_is_refused(self, world: World) -> None:
        changed = world.api.client.put(
            f"{API}/contracts/{world.c1}/delivery-points",
            headers=world.api.headers("planner"),
            json={"version": contract_version(world, world.c1), "depots": ["d-north"]},
        )
        refused = world.api.post(
            "south", f"{API}/receipts", json=receipt_body("r-1", world.c1, depot="d-south")
        )

        assert changed.status_code == 200, changed.text
        assert changed.json()["delivery_points"] == ["d-north"]
        assert refused.status_code == 409
        assert refused.json()["error"] == "NotADeliveryPoint"
        assert refused.json()["detail"] == (
            'contract C-1 is not delivered to depot "d-south": its delivery points are d-north '
            "(a planner changes them)"
        )

    def test_the_change_is_versioned_and_audited(self, world: World) -> None:
        version = contract_version(world, world.c1)
        url = f"{API}/contracts/{world.c1}/delivery-points"
        headers = world.api.headers("planner")

        first = world.api.client.put(
            url, headers=headers, json={"version": version, "depots": ["d-south"]}
        )
        stale = world.api.client.put(
            url, headers=headers, json={"version": version, "depots": ["d-north"]}
        )
        unknown = world.api.client.put(
            url, headers=headers, json={"version": version + 1, "depots": ["d-x", "d-north"]}
        )
        by_depot = world.api.client.put(
            url, headers=world.api.headers("logistics"), json={"version": 2, "depots": ["d-x"]}
        )

        assert first.json()["version"] == version + 1
        assert stale.status_code == 409
        assert unknown.status_code == 422
        assert unknown.json()["problems"] == [
            {"field": "depots[0]", "message": 'unknown depot "d-x"', "code": "unknown_depot"}
        ]
        assert by_depot.status_code == 403
        with session_scope(world.engine) as session:
            event = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "delivery_points")
            ).one()
            assert (event.entity, event.entity_id) == ("contracts", str(world.c1))
            assert json.loads(event.before or "") == {"delivery_points": ["d-north", "d-south"]}
            assert json.loads(event.after or "") == {"delivery_points": ["d-south"]}

    def test_depot_users_are_offered_only_the_contracts_their_depots_receive(
        self, world: World
    ) -> None:
        world.api.client.put(
            f"{API}/contracts/{world.c1}/delivery-points",
            headers=world.api.headers("planner"),
            json={"version": contract_version(world, world.c1), "depots": ["d-north"]},
        )
        south = scope_of(world, "south@depot.test", Role.logistics, frozenset({world.south}))
        north = scope_of(world, "depot@depot.test", Role.logistics, frozenset({world.north}))

        with session_scope(world.engine) as session:
            offered_south = service.receivable_contracts(session=session, scope=south)
            offered_north = service.receivable_contracts(session=session, scope=north)

        assert [(c.number, c.depots) for c in offered_south] == [("C-2", ["d-south"])]
        assert [(c.number, c.depots) for c in offered_north] == [
            ("C-1", ["d-north"]),
            ("C-2", ["d-north"]),
        ]


class TestOverDelivery:
    def test_accepting_beyond_what_is_left_is_refused_naming_what_is_left(
        self, world: World
    ) -> None:
        # C-2: 600 contracted. 550 accepted, then 60 more would make 610.
        first = world.api.post(
            "logistics", f"{API}/receipts", json=receipt_body("r-1", world.c2, accepted=550)
        )
        beyond = world.api.post(
            "logistics", f"{API}/receipts", json=receipt_body("r-2", world.c2, accepted=60)
        )
        rejected_only = world.api.post(
            "logistics",
            f"{API}/receipts",
            json=receipt_body("r-3", world.c2, accepted=0, rejected=60),
        )
        the_rest = world.api.post(
            "logistics", f"{API}/receipts", json=receipt_body("r-4", world.c2, accepted=50)
        )
        one_more = world.api.post(
            "logistics", f"{API}/receipts", json=receipt_body("r-5", world.c2, accepted=1)
        )

        assert first.status_code == 201
        assert beyond.status_code == 409
        assert beyond.json()["error"] == "OverDelivery"
        assert beyond.json()["detail"] == (
            "contract C-2 has 50 left to accept: 600 contracted, 550 accepted so far; this "
            "receipt accepts 60. More than the contract is a planner's amendment"
        )
        assert beyond.json()["problems"][0]["field"] == "accepted"
        assert rejected_only.status_code == 201
        assert the_rest.status_code == 201
        assert one_more.status_code == 409
        assert one_more.json()["detail"].startswith("contract C-2 has 0 left to accept")

    def test_a_reversal_gives_back_what_it_had_accepted(self, world: World) -> None:
        first = world.api.post(
            "logistics", f"{API}/receipts", json=receipt_body("r-1", world.c2, accepted=600)
        ).json()
        world.api.post(
            "logistics",
            f"{API}/receipts/{first['id']}/reverse",
            json={"client_key": "x-1", "reason": "counted twice"},
        )

        again = world.api.post(
            "logistics", f"{API}/receipts", json=receipt_body("r-2", world.c2, accepted=600)
        )

        assert again.status_code == 201

    def test_the_tolerance_lets_a_share_more_through(self, world: World) -> None:
        # 600 with 2 %: up to 612 may be accepted; 613 may not.
        north = scope_of(world, "depot@depot.test", Role.logistics, frozenset({world.north}))
        settings = Settings(over_delivery_tolerance=0.02)

        def record(key: str, accepted: int) -> Any:
            body = ReceiptCreate.model_validate(receipt_body(key, world.c2, accepted=accepted))
            with session_scope(world.engine) as session:
                return service.record_receipt(
                    session=session, scope=north, body=body, settings=settings
                )

        record("r-1", 612)
        with pytest.raises(Conflict) as refused:
            record("r-2", 1)

        assert refused.value.detail == (
            "contract C-2 has 0 left to accept: 600 contracted (with the tolerance of 2.00%: "
            "612), 612 accepted so far; this receipt accepts 1. More than the contract is a "
            "planner's amendment"
        )


class TestWholeUnits:
    @pytest.mark.parametrize(("field", "value"), [("accepted", 2.5), ("accepted", 1e-9)])
    def test_a_fraction_of_a_unit_is_refused_naming_the_field(
        self, world: World, field: str, value: float
    ) -> None:
        body = receipt_body("r-1", world.c1, accepted=1)
        body[field] = value

        response = world.api.post("logistics", f"{API}/receipts", json=body)

        assert response.status_code == 422
        assert {problem["field"] for problem in response.json()["problems"]} == {field}

    def test_a_dispatch_of_a_billionth_is_refused(self, world: World) -> None:
        response = world.api.post(
            "logistics", f"{API}/dispatches", json=dispatch_body("d-1", quantity=1e-9)
        )

        assert response.status_code == 422
        assert [problem["field"] for problem in response.json()["problems"]] == ["quantity"]

    def test_a_hundred_dispatches_of_one_empty_a_hundred_exactly(self, world: World) -> None:
        world.api.post(
            "logistics", f"{API}/receipts", json=receipt_body("r-1", world.c1, accepted=100)
        )

        answers = [
            world.api.post(
                "logistics", f"{API}/dispatches", json=dispatch_body(f"d-{n}")
            ).status_code
            for n in range(101)
        ]

        assert answers == [201] * 100 + [409]
        with session_scope(world.engine) as session:
            assert session.scalar(select(DepotStock.quantity)) == 0
        report = world.api.get(
            "planner", f"{API}/reports/daily", params={"day": "2026-11-06"}
        ).json()
        assert report["stock"] == [{"depot": "d-north", "item": "art-155", "quantity": 0}]


class TestDays:
    def test_a_receipt_before_its_contract_s_first_month_is_refused(self, world: World) -> None:
        response = world.api.post(
            "logistics", f"{API}/receipts", json=receipt_body("r-1", world.c1, day="2026-09-30")
        )

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {
                "field": "day",
                "message": "2026-09-30 is before contract C-1's first month 2026-10",
                "code": "before_contract",
            }
        ]

    def test_a_dispatch_dated_year_one_is_in_a_closed_period(self, world: World) -> None:
        response = world.api.post(
            "logistics", f"{API}/dispatches", json=dispatch_body("d-1", day="0001-01-01")
        )

        assert response.status_code == 422
        (problem,) = response.json()["problems"]
        assert problem["field"] == "day"
        assert problem["message"].startswith("0001-01-01 is in a closed period")

    def test_the_default_closes_days_older_than_31_and_a_planner_corrects_them(
        self, world: World
    ) -> None:
        today = datetime.now(UTC).date()
        old, recent = today - timedelta(days=32), today - timedelta(days=31)
        north = scope_of(world, "depot@depot.test", Role.logistics, frozenset({world.north}))
        planner = scope_of(world, "planner@ministry.test", Role.planner)
        kept_open, default = Settings(closed_period_days=36500), Settings(closed_period_days=31)
        assert Settings.model_fields["closed_period_days"].default == 31

        def record(key: str, day: date, settings: Settings) -> Any:
            body = ReceiptCreate.model_validate(receipt_body(key, world.c1, day=day.isoformat()))
            with session_scope(world.engine) as session:
                return service.record_receipt(
                    session=session, scope=north, body=body, settings=settings
                )[0]

        with pytest.raises(InvalidInput) as closed:
            record("r-0", old, default)
        recorded = record("r-1", recent, default)
        entered_late = record("r-2", old, kept_open)

        def reverse(scope: Scope, key: str, record: Any = None) -> Any:
            with session_scope(world.engine) as session:
                return service.reverse(
                    session=session,
                    scope=scope,
                    model=Receipt,
                    record_id=(record or entered_late)["id"],
                    body=ReversalCreate(client_key=key, reason="wrong lot"),
                    settings=default,
                )[0]

        with pytest.raises(InvalidInput) as by_depot:
            reverse(north, "x-1")
        by_planner = reverse(planner, "x-2")
        with pytest.raises(Forbidden):  # an open day is its depot's to correct
            reverse(planner, "x-3", recorded)

        opens = (today - timedelta(days=31)).isoformat()
        assert closed.value.problems[0].message == (
            f"{old.isoformat()} is in a closed period (days before {opens} are closed; a "
            "planner corrects them by reversal)"
        )
        assert recorded["day"] == recent
        assert by_depot.value.problems[0].code == "closed_period"
        assert by_planner["accepted"] == -10
        assert by_planner["day"] == old


class TestAfterTheEnd:
    def test_nothing_is_recorded_under_a_terminated_contract(self, world: World) -> None:
        world.api.post(
            "planner",
            f"{API}/contracts/{world.c2}/terminate",
            json={"version": contract_version(world, world.c2), "reason": "line closed"},
        )

        response = world.api.post(
            "logistics", f"{API}/receipts", json=receipt_body("r-1", world.c2)
        )

        assert response.status_code == 409
        assert response.json()["detail"].startswith("contract C-2 is terminated")

    def test_receipts_racing_a_termination_never_commit_after_it(self, world: World) -> None:
        """Threads post receipts while another terminates the contract: every receipt that
        committed was committed before the termination (its audit event comes first), and
        stock and totals agree with the receipts that exist."""
        north = scope_of(world, "depot@depot.test", Role.logistics, frozenset({world.north}))
        planner = scope_of(world, "planner@ministry.test", Role.planner)
        start = threading.Barrier(5, timeout=30)
        outcomes: list[Any] = []

        def run(call: Any) -> None:
            session = session_factory(world.engine)()
            set_actor(session, Actor(name="race"))
            try:
                start.wait()
                session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
                outcomes.append(call(session))
                session.commit()
            except KuzniaError as error:
                session.rollback()
                outcomes.append(error)
            finally:
                session.close()

        def receipts(worker: int) -> Any:
            def call(session: Any) -> Any:
                for n in range(5):
                    body = ReceiptCreate.model_validate(
                        receipt_body(f"r-{worker}-{n}", world.c2, accepted=5)
                    )
                    service.record_receipt(session=session, scope=north, body=body)
                    session.commit()
                    session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
                return "done"

            return call

        def terminate(session: Any) -> Any:
            # the first receipt moves C-2 into delivery (a new version): read it again then
            from kuznia.contracts import service as contracts_service

            for _ in range(50):
                contract = session.get(Contract, world.c2, populate_existing=True)
                try:
                    return contracts_service.terminate_contract(
                        session=session,
                        scope=planner,
                        contract_id=world.c2,
                        version=contract.version,
                        reason="line closed",
                    )
                except StaleVersion:
                    session.rollback()
                    session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
            raise AssertionError("the termination never got through")

        threads = [threading.Thread(target=run, args=(receipts(w),)) for w in range(4)]
        threads.append(threading.Thread(target=run, args=(terminate,)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        with session_scope(world.engine) as session:
            ended = session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "terminate", AuditEvent.entity == "contracts"
                )
            ).one()
            last_receipt = session.scalar(
                select(func.max(AuditEvent.seq)).where(AuditEvent.entity == "receipts")
            )
            count = session.scalar(select(func.count()).select_from(Receipt))
            accepted = session.scalar(select(func.sum(Receipt.accepted)))
            stock = session.scalar(select(DepotStock.quantity))
            status = session.get(Contract, world.c2).status.value  # type: ignore[union-attr]

        assert status == "terminated"
        assert last_receipt is None or last_receipt < ended.seq
        assert (accepted or 0) == 5 * count
        assert (stock or 0) == 5 * count
