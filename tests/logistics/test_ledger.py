"""The daily ledger through the API: receipts with acceptance and dispatches move stock, stock
never goes below zero, corrections are reversals, client keys make retries safe, every write
is in the audit chain. The world is tests/logistics/conftest.py's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from kuznia.db import session_scope
from kuznia.models import AuditEvent, Contract, ContractStatus, DepotStock, Dispatch, Receipt
from tests.logistics.conftest import World

API = "/api/v1"


def receipt_body(
    key: str,
    contract_id: int,
    *,
    depot: str = "d-north",
    day: str = "2026-11-05",
    received: float,
    accepted: float,
    rejected: float = 0,
    reason: str = "",
) -> dict[str, Any]:
    return {
        "client_key": key,
        "depot": depot,
        "contract_id": contract_id,
        "day": day,
        "lot": "lot-7",
        "received": received,
        "accepted": accepted,
        "rejected": rejected,
        "reason": reason,
    }


def dispatch_body(
    key: str,
    quantity: float,
    *,
    depot: str = "d-north",
    item: str = "art-155",
    grouping: str = "g-east",
    day: str = "2026-11-06",
) -> dict[str, Any]:
    return {
        "client_key": key,
        "depot": depot,
        "item": item,
        "grouping": grouping,
        "day": day,
        "quantity": quantity,
        "note": "",
    }


def stock_of(world: World, user: str = "planner") -> list[tuple[str, str, float]]:
    response = world.api.get(user, f"{API}/depot-stock")
    assert response.status_code == 200, response.text
    return [(row["depot"], row["item"], row["quantity"]) for row in response.json()["items"]]


def count(engine: Engine, model: type[Any]) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


class TestReceipts:
    def test_a_receipt_records_acceptance_and_adds_the_accepted_quantity_to_stock(
        self, world: World
    ) -> None:
        body = receipt_body(
            "r-1", world.c1, received=130, accepted=120, rejected=10, reason="dented casings"
        )

        response = world.api.post("logistics", f"{API}/receipts", json=body)

        assert response.status_code == 201, response.text
        stored = response.json()
        assert {
            key: stored[key]
            for key in ("depot", "contract", "item", "received", "accepted", "rejected", "reason")
        } == {
            "depot": "d-north",
            "contract": "C-1",
            "item": "art-155",
            "received": 130,
            "accepted": 120,
            "rejected": 10,
            "reason": "dented casings",
        }
        assert (stored["reverses_id"], stored["reversed_by_id"]) == (None, None)
        assert stock_of(world) == [("d-north", "art-155", 120)]
        stock = world.api.get("logistics", f"{API}/depots/{world.north}/stock").json()
        assert [(row["item"], row["quantity"]) for row in stock["items"]] == [("art-155", 120)]

    def test_the_first_receipt_puts_a_signed_contract_in_delivery(self, world: World) -> None:
        body = receipt_body("r-1", world.c1, received=10, accepted=10)

        world.api.post("logistics", f"{API}/receipts", json=body)

        with session_scope(world.engine) as session:
            contract = session.get(Contract, world.c1)
            assert contract is not None
            assert (contract.status, contract.version) == (ContractStatus.in_delivery, 2)

    def test_received_must_be_accepted_plus_rejected_and_a_rejection_needs_a_reason(
        self, world: World
    ) -> None:
        body = receipt_body("r-1", world.c1, received=100, accepted=80, rejected=10)

        response = world.api.post("logistics", f"{API}/receipts", json=body)

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {
                "field": "received",
                "message": "received must be accepted + rejected = 90, got 100",
                "code": "received_mismatch",
            },
            {
                "field": "reason",
                "message": "a rejection (10) needs a reason",
                "code": "rejection_needs_reason",
            },
        ]
        assert count(world.engine, Receipt) == 0

    def test_a_draft_contract_takes_no_deliveries(self, world: World) -> None:
        body = receipt_body("r-1", world.c3, received=5, accepted=5)

        response = world.api.post("logistics", f"{API}/receipts", json=body)

        assert response.status_code == 409
        assert response.json()["detail"] == (
            "contract C-3 is draft: only a signed contract or one in delivery takes deliveries "
            "and production reports"
        )

    def test_unknown_depot_contract_and_a_day_in_the_future_are_named(self, world: World) -> None:
        unknown_depot = receipt_body("r-1", world.c1, depot="d-nowhere", received=1, accepted=1)
        unknown_contract = receipt_body("r-2", 999999, received=1, accepted=1)
        future = receipt_body("r-3", world.c1, day="2099-01-01", received=1, accepted=1)

        answers = [
            world.api.post("logistics", f"{API}/receipts", json=body)
            for body in (unknown_depot, unknown_contract, future)
        ]

        # Unknown depots and contracts are 404, as another organisation's are (issue 12).
        assert [answer.status_code for answer in answers] == [404, 404, 422]
        assert [answer.json()["problems"] for answer in answers] == [
            [{"field": "depot", "message": 'depot "d-nowhere" not found'}],
            [{"field": "contract_id", "message": "contract 999999 not found"}],
            [{"field": "day", "message": "2099-01-01 is in the future"}],
        ]


class TestDispatches:
    def test_a_dispatch_takes_its_quantity_from_stock(self, world: World) -> None:
        world.api.post(
            "logistics",
            f"{API}/receipts",
            json=receipt_body("r-1", world.c1, received=120, accepted=120),
        )

        response = world.api.post("logistics", f"{API}/dispatches", json=dispatch_body("d-1", 45))

        assert response.status_code == 201, response.text
        assert {k: response.json()[k] for k in ("depot", "item", "grouping", "quantity")} == {
            "depot": "d-north",
            "item": "art-155",
            "grouping": "g-east",
            "quantity": 45,
        }
        assert stock_of(world) == [("d-north", "art-155", 75)]

    def test_taking_more_than_the_stock_is_refused_and_records_nothing(self, world: World) -> None:
        world.api.post(
            "logistics",
            f"{API}/receipts",
            json=receipt_body("r-1", world.c1, received=120, accepted=120),
        )
        events_before = count(world.engine, AuditEvent)

        response = world.api.post("logistics", f"{API}/dispatches", json=dispatch_body("d-1", 121))

        assert response.status_code == 409
        message = (
            'depot "d-north" holds 120 of item "art-155"; the dispatch to g-east takes 121: '
            "stock cannot go below zero"
        )
        assert response.json() == {
            "error": "InsufficientStock",
            "code": "insufficient_stock",
            "detail": message,
            "problems": [{"field": "quantity", "message": message}],
        }
        assert count(world.engine, Dispatch) == 0
        assert count(world.engine, AuditEvent) == events_before
        assert stock_of(world) == [("d-north", "art-155", 120)]

    def test_an_item_never_received_cannot_be_dispatched(self, world: World) -> None:
        response = world.api.post(
            "logistics", f"{API}/dispatches", json=dispatch_body("d-1", 1, item="fpv")
        )

        assert response.status_code == 409
        assert response.json()["detail"].startswith('depot "d-north" holds 0 of item "fpv"')
        assert count(world.engine, DepotStock) == 0

    def test_the_item_and_grouping_must_be_in_the_registry(self, world: World) -> None:
        body = dispatch_body("d-1", 1, item="art-152", grouping="g-mars")

        response = world.api.post("logistics", f"{API}/dispatches", json=body)

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {"field": "item", "message": 'unknown item "art-152"'},
            {"field": "grouping", "message": 'unknown grouping "g-mars"'},
        ]


class TestReversals:
    def test_a_reversal_is_a_new_record_with_negated_quantities_and_stock_moves_back(
        self, world: World
    ) -> None:
        body = receipt_body("r-1", world.c1, received=50, accepted=40, rejected=10, reason="wet")
        original = world.api.post("logistics", f"{API}/receipts", json=body).json()

        response = world.api.post(
            "logistics",
            f"{API}/receipts/{original['id']}/reverse",
            json={"client_key": "r-1-undo", "reason": "entered at the wrong depot"},
        )

        assert response.status_code == 201, response.text
        reversal = response.json()
        assert {
            k: reversal[k]
            for k in ("reverses_id", "day", "received", "accepted", "rejected", "reason")
        } == {
            "reverses_id": original["id"],
            "day": "2026-11-05",
            "received": -50,
            "accepted": -40,
            "rejected": -10,
            "reason": "entered at the wrong depot",
        }
        again = world.api.get("planner", f"{API}/receipts/{original['id']}").json()
        assert again["reversed_by_id"] == reversal["id"]
        assert again["accepted"] == 40  # the original is never edited
        assert stock_of(world) == [("d-north", "art-155", 0)]

    def test_reversing_twice_is_a_conflict(self, world: World) -> None:
        body = receipt_body("r-1", world.c1, received=5, accepted=5)
        original = world.api.post("logistics", f"{API}/receipts", json=body).json()
        path = f"{API}/receipts/{original['id']}/reverse"
        first = world.api.post("logistics", path, json={"client_key": "undo-1", "reason": "x"})

        second = world.api.post("logistics", path, json={"client_key": "undo-2", "reason": "x"})
        of_the_reversal = world.api.post(
            "logistics",
            f"{API}/receipts/{first.json()['id']}/reverse",
            json={"client_key": "undo-3", "reason": "x"},
        )

        assert second.status_code == 409
        assert second.json()["detail"] == (
            f"receipt {original['id']} was already reversed by receipt {first.json()['id']}"
        )
        assert of_the_reversal.status_code == 409
        assert "a reversal is not reversed" in of_the_reversal.json()["detail"]
        assert count(world.engine, Receipt) == 2

    def test_a_receipt_whose_stock_was_dispatched_cannot_be_reversed(self, world: World) -> None:
        body = receipt_body("r-1", world.c1, received=30, accepted=30)
        original = world.api.post("logistics", f"{API}/receipts", json=body).json()
        world.api.post("logistics", f"{API}/dispatches", json=dispatch_body("d-1", 25))

        response = world.api.post(
            "logistics",
            f"{API}/receipts/{original['id']}/reverse",
            json={"client_key": "undo", "reason": "x"},
        )

        assert response.status_code == 409
        assert response.json()["detail"] == (
            f'depot "d-north" holds 5 of item "art-155"; reversing receipt {original["id"]} '
            "takes 30: stock cannot go below zero"
        )
        assert count(world.engine, Receipt) == 1
        assert stock_of(world) == [("d-north", "art-155", 5)]

    def test_a_dispatch_reversal_returns_its_quantity_to_stock(self, world: World) -> None:
        world.api.post(
            "logistics",
            f"{API}/receipts",
            json=receipt_body("r-1", world.c1, received=30, accepted=30),
        )
        dispatch = world.api.post(
            "logistics", f"{API}/dispatches", json=dispatch_body("d-1", 25)
        ).json()

        response = world.api.post(
            "logistics",
            f"{API}/dispatches/{dispatch['id']}/reverse",
            json={"client_key": "d-1-undo", "reason": "the convoy turned back"},
        )

        assert response.status_code == 201, response.text
        assert (response.json()["quantity"], response.json()["note"]) == (
            -25,
            "the convoy turned back",
        )
        assert stock_of(world) == [("d-north", "art-155", 30)]

    def test_the_ledger_has_no_delete(self, world: World) -> None:
        body = receipt_body("r-1", world.c1, received=5, accepted=5)
        original = world.api.post("logistics", f"{API}/receipts", json=body).json()

        answers = [
            world.api.delete(user, f"{API}/receipts/{original['id']}").status_code
            for user in ("logistics", "planner")
        ]

        assert answers == [405, 405]
        assert count(world.engine, Receipt) == 1


class TestClientKeys:
    def test_a_retry_answers_200_with_the_stored_record_and_records_nothing(
        self, world: World
    ) -> None:
        body = receipt_body("r-1", world.c1, received=12, accepted=12)
        first = world.api.post("logistics", f"{API}/receipts", json=body)
        events = count(world.engine, AuditEvent)

        retry = world.api.post("logistics", f"{API}/receipts", json=body)

        assert (first.status_code, retry.status_code) == (201, 200)
        assert retry.json() == first.json()
        assert count(world.engine, Receipt) == 1
        assert count(world.engine, AuditEvent) == events
        assert stock_of(world) == [("d-north", "art-155", 12)]

    def test_the_same_key_with_another_content_is_a_conflict_naming_the_key(
        self, world: World
    ) -> None:
        world.api.post(
            "logistics",
            f"{API}/receipts",
            json=receipt_body("r-1", world.c1, received=12, accepted=12),
        )

        response = world.api.post(
            "logistics",
            f"{API}/receipts",
            json=receipt_body("r-1", world.c1, received=13, accepted=13),
        )

        assert response.status_code == 409
        (stored_id,) = [
            row["id"] for row in world.api.get("planner", f"{API}/receipts").json()["items"]
        ]
        assert response.json()["detail"] == (
            f'client key "r-1" was used for receipt {stored_id}, whose accepted, received differ '
            "from this request's: choose a new key for a new submission, or send the stored "
            "one's content to retry it"
        )
        assert count(world.engine, Receipt) == 1

    def test_a_retried_reversal_and_dispatch_answer_200(self, world: World) -> None:
        world.api.post(
            "logistics",
            f"{API}/receipts",
            json=receipt_body("r-1", world.c1, received=9, accepted=9),
        )
        first_dispatch = world.api.post(
            "logistics", f"{API}/dispatches", json=dispatch_body("d-1", 4)
        )
        retried_dispatch = world.api.post(
            "logistics", f"{API}/dispatches", json=dispatch_body("d-1", 4)
        )
        path = f"{API}/dispatches/{first_dispatch.json()['id']}/reverse"
        undo = {"client_key": "d-1-undo", "reason": "typo"}
        first_undo = world.api.post("logistics", path, json=undo)

        retried_undo = world.api.post("logistics", path, json=undo)

        statuses = [
            r.status_code for r in (first_dispatch, retried_dispatch, first_undo, retried_undo)
        ]
        assert statuses == [201, 200, 201, 200]
        assert retried_undo.json()["id"] == first_undo.json()["id"]
        assert count(world.engine, Dispatch) == 2
        assert stock_of(world) == [("d-north", "art-155", 9)]

    def test_another_depots_key_is_not_shown_to_whoever_reuses_it(self, world: World) -> None:
        # Client keys are each organisation's own (migration 0011): Depot South's "r-1" is a
        # new key, whatever Depot North stored under it; nothing says North used it.
        world.api.post(
            "logistics",
            f"{API}/receipts",
            json=receipt_body("r-1", world.c1, received=9, accepted=9),
        )

        at_north = world.api.post(
            "south",
            f"{API}/receipts",
            json=receipt_body("r-1", world.c1, depot="d-north", received=9, accepted=9),
        )
        at_south = world.api.post(
            "south",
            f"{API}/receipts",
            json=receipt_body("r-1", world.c1, depot="d-south", received=9, accepted=9),
        )

        assert at_north.status_code == 404
        assert at_north.json()["detail"] == 'depot "d-north" not found'
        assert at_south.status_code == 201, at_south.text
        assert at_south.json()["client_key"] == "r-1"
        assert count(world.engine, Receipt) == 2

    def test_one_organisations_key_is_one_submission(self, world: World) -> None:
        world.api.post(
            "logistics",
            f"{API}/receipts",
            json=receipt_body("r-1", world.c1, received=9, accepted=9),
        )

        response = world.api.post(
            "logistics",
            f"{API}/receipts",
            json=receipt_body("r-1", world.c1, received=8, accepted=8),
        )

        assert response.status_code == 409
        assert response.json()["problems"][0]["field"] == "client_key"


class TestProductionReports:
    def test_a_producer_reports_output_of_its_own_contract(self, world: World) -> None:
        body = {"client_key": "p-1", "contract_id": world.c1, "day": "2026-11-03", "quantity": 200}

        response = world.api.post("producer", f"{API}/production-reports", json=body)

        assert response.status_code == 201, response.text
        assert {k: response.json()[k] for k in ("contract", "producer", "item", "quantity")} == {
            "contract": "C-1",
            "producer": "p1",
            "item": "art-155",
            "quantity": 200,
        }

    def test_a_producer_cannot_report_on_another_producers_contract(self, world: World) -> None:
        body = {"client_key": "p-1", "contract_id": world.c2, "day": "2026-11-03", "quantity": 5}

        response = world.api.post("producer", f"{API}/production-reports", json=body)

        # The same answer as for a contract that does not exist (issue 12).
        assert response.status_code == 404
        assert response.json()["detail"] == f"contract {world.c2} not found"

    def test_a_report_is_corrected_by_a_reversal_and_each_producer_sees_its_own(
        self, world: World
    ) -> None:
        body = {"client_key": "p-1", "contract_id": world.c1, "day": "2026-11-03", "quantity": 7}
        report = world.api.post("producer", f"{API}/production-reports", json=body).json()

        reversal = world.api.post(
            "producer",
            f"{API}/production-reports/{report['id']}/reverse",
            json={"client_key": "p-1-undo", "reason": "counted twice"},
        )

        assert reversal.status_code == 201
        assert (reversal.json()["quantity"], reversal.json()["note"]) == (-7, "counted twice")
        own = world.api.get("producer", f"{API}/production-reports").json()
        assert [row["quantity"] for row in own["items"]] == [-7, 7]
        other = world.api.get("other_producer", f"{API}/production-reports").json()
        assert other["total"] == 0
        assert (
            world.api.get("other_producer", f"{API}/production-reports/{report['id']}").status_code
            == 404
        )


class TestScope:
    def _north_receipt(self, world: World) -> dict[str, Any]:
        body = receipt_body("r-1", world.c1, received=10, accepted=10)
        response = world.api.post("logistics", f"{API}/receipts", json=body)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def test_a_depots_user_sees_nothing_of_another_depot(self, world: World) -> None:
        receipt = self._north_receipt(world)

        assert world.api.get("south", f"{API}/receipts/{receipt['id']}").status_code == 404
        assert world.api.get("south", f"{API}/receipts").json()["total"] == 0
        assert world.api.get("south", f"{API}/depots/{world.north}").status_code == 404
        assert world.api.get("south", f"{API}/depots/{world.north}/stock").status_code == 404
        assert stock_of(world, "south") == []
        assert [d["code"] for d in world.api.get("south", f"{API}/depots").json()["items"]] == [
            "d-south"
        ]

    def test_a_depots_user_cannot_record_at_or_correct_another_depot(self, world: World) -> None:
        receipt = self._north_receipt(world)

        at_north = world.api.post(
            "south", f"{API}/receipts", json=receipt_body("r-2", world.c1, received=1, accepted=1)
        )
        reverse = world.api.post(
            "south",
            f"{API}/receipts/{receipt['id']}/reverse",
            json={"client_key": "x", "reason": "x"},
        )
        dispatch = world.api.post("south", f"{API}/dispatches", json=dispatch_body("d-1", 1))

        # Another organisation's depot answers as a depot that does not exist (issue 12).
        assert at_north.status_code == 404
        assert at_north.json()["detail"] == 'depot "d-north" not found'
        assert reverse.status_code == 404
        assert dispatch.status_code == 404
        assert count(world.engine, Receipt) == 1

    def test_roles_without_the_right_to_record_get_403(self, world: World) -> None:
        body = receipt_body("r-1", world.c1, received=1, accepted=1)

        answers = {
            user: world.api.post(user, f"{API}/receipts", json=body).status_code
            for user in ("planner", "producer", "partner", "auditor")
        }

        assert answers == {"planner": 403, "producer": 403, "partner": 403, "auditor": 403}

    def test_producers_and_partners_read_the_receipts_of_their_contracts(
        self, world: World
    ) -> None:
        self._north_receipt(world)
        world.api.post(
            "south",
            f"{API}/receipts",
            json=receipt_body("r-2", world.c2, depot="d-south", received=3, accepted=3),
        )

        seen = {
            user: [r["contract"] for r in world.api.get(user, f"{API}/receipts").json()["items"]]
            for user in ("planner", "producer", "other_producer", "partner", "logistics", "south")
        }

        assert seen == {
            "planner": ["C-2", "C-1"],
            "producer": ["C-1"],
            "other_producer": ["C-2"],
            "partner": ["C-2"],
            "logistics": ["C-1"],
            "south": ["C-2"],
        }


class TestDepots:
    def test_a_planner_adds_and_changes_depots_and_logistics_sees_its_own(
        self, world: World
    ) -> None:
        created = world.api.post(
            "planner",
            f"{API}/depots",
            json={"code": "d-west", "name": "West", "region": "r-2", "location": "secret"},
        )
        changed = world.api.patch(
            "planner",
            f"{API}/depots/{created.json()['id']}",
            json={"version": 1, "name": "West depot"},
        )

        assert created.status_code == 201, created.text
        assert (changed.status_code, changed.json()["name"], changed.json()["version"]) == (
            200,
            "West depot",
            2,
        )
        codes = [d["code"] for d in world.api.get("logistics", f"{API}/depots").json()["items"]]
        assert codes == ["d-north"]
        events = world.api.get(
            "auditor",
            f"{API}/audit/events",
            params={"entity": "depots", "entity_id": created.json()["id"]},
        ).json()["items"]
        assert [(e["action"], e["actor"]) for e in events] == [
            ("update", "planner@ministry.test"),
            ("create", "planner@ministry.test"),
        ]

    def test_depot_rules(self, world: World) -> None:
        duplicate = world.api.post(
            "planner", f"{API}/depots", json={"code": "d-north", "name": "N"}
        )
        ministry = world.api.post(
            "planner", f"{API}/depots", json={"code": "d-x", "name": "X", "organisation_id": 1}
        )
        by_logistics = world.api.post(
            "logistics", f"{API}/depots", json={"code": "d-y", "name": "Y"}
        )
        stale = world.api.patch(
            "planner", f"{API}/depots/{world.north}", json={"version": 7, "name": "N"}
        )

        assert (duplicate.status_code, duplicate.json()["detail"]) == (
            409,
            'a depot with code "d-north" exists',
        )
        assert ministry.status_code == 422
        assert ministry.json()["problems"][0]["field"] == "organisation_id"
        assert by_logistics.status_code == 403
        assert stale.status_code == 409


class TestAudit:
    def test_every_write_is_an_event(self, world: World) -> None:
        receipt = world.api.post(
            "logistics",
            f"{API}/receipts",
            json=receipt_body("r-1", world.c1, received=20, accepted=20),
        ).json()
        dispatch = world.api.post(
            "logistics", f"{API}/dispatches", json=dispatch_body("d-1", 5)
        ).json()
        reversal = world.api.post(
            "logistics",
            f"{API}/dispatches/{dispatch['id']}/reverse",
            json={"client_key": "d-1-undo", "reason": "x"},
        ).json()
        report = world.api.post(
            "producer",
            f"{API}/production-reports",
            json={"client_key": "p-1", "contract_id": world.c1, "day": "2026-11-03", "quantity": 1},
        ).json()

        events = world.api.get("auditor", f"{API}/audit/events", params={"limit": 8}).json()[
            "items"
        ]

        stock_key = f"{world.north}/art-155"
        assert [
            (e["action"], e["entity"], e["entity_id"], e["actor"]) for e in reversed(events)
        ] == [
            ("create", "receipts", str(receipt["id"]), "depot@depot.test"),
            ("create", "depot_stocks", stock_key, "depot@depot.test"),
            ("start_delivery", "contracts", str(world.c1), "depot@depot.test"),
            ("create", "dispatches", str(dispatch["id"]), "depot@depot.test"),
            ("update", "depot_stocks", stock_key, "depot@depot.test"),
            ("create", "dispatches", str(reversal["id"]), "depot@depot.test"),
            ("update", "depot_stocks", stock_key, "depot@depot.test"),
            ("create", "production_reports", str(report["id"]), "p1@producer.test"),
        ]
        stock_changes = [
            (e["before"], e["after"]) for e in reversed(events) if e["entity"] == "depot_stocks"
        ]
        assert stock_changes == [
            (None, {"depot_id": world.north, "item": "art-155", "quantity": 20}),
            ({"quantity": 20}, {"quantity": 15}),
            ({"quantity": 15}, {"quantity": 20}),
        ]
        assert world.api.get("auditor", f"{API}/audit/verify").json()["intact"] is True
