"""A contract's life: draft -> signed -> in_delivery -> completed, or terminated with a reason;
every step names the version it was made on, and a wrong step names the current status."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from kuznia import models
from kuznia.contracts import service
from kuznia.db import session_scope
from kuznia.errors import Conflict
from tests.api.conftest import Api
from tests.contracts.conftest import CONTRACTS, GUARANTEES, approve, contract_of, finished_run


@pytest.fixture
def draft(api: Api, engine: Engine) -> dict[str, Any]:
    """Contract K-<run>-l1 of the handmade run, as approved (a draft at version 1)."""
    summary = approve(api, finished_run(engine), firm_months=2)
    return contract_of(api, summary, "l1")


def step(api: Api, contract: dict[str, Any], action: str, **body: Any) -> Any:
    return api.post(
        "planner",
        f"{CONTRACTS}/{contract['id']}/{action}",
        json={"version": contract["version"], **body},
    )


def start_delivery(engine: Engine, contract_id: int) -> None:
    """What the logistics service does on the first receipt under a signed contract."""
    with session_scope(engine) as session:
        contract = session.get(models.Contract, contract_id)
        assert contract is not None
        service.start_delivery(session=session, contract=contract)


class TestTheWayThrough:
    def test_signed_delivered_and_completed(
        self, api: Api, engine: Engine, draft: dict[str, Any]
    ) -> None:
        signed = step(api, draft, "sign")
        start_delivery(engine, draft["id"])
        in_delivery = api.get("planner", f"{CONTRACTS}/{draft['id']}").json()
        completed = step(api, in_delivery, "complete")

        assert signed.status_code == 200, signed.text
        assert (signed.json()["status"], signed.json()["version"]) == ("signed", 2)
        assert signed.json()["signed_at"] is not None
        assert (in_delivery["status"], in_delivery["version"]) == ("in_delivery", 3)
        assert completed.status_code == 200, completed.text
        assert (completed.json()["status"], completed.json()["version"]) == ("completed", 4)
        assert completed.json()["closed_at"] is not None

    def test_starting_delivery_twice_changes_nothing_the_second_time(
        self, api: Api, engine: Engine, draft: dict[str, Any]
    ) -> None:
        step(api, draft, "sign")
        start_delivery(engine, draft["id"])
        start_delivery(engine, draft["id"])

        contract = api.get("planner", f"{CONTRACTS}/{draft['id']}").json()

        assert (contract["status"], contract["version"]) == ("in_delivery", 3)

    def test_deliveries_cannot_start_under_a_draft(
        self, engine: Engine, draft: dict[str, Any]
    ) -> None:
        with pytest.raises(Conflict, match=r"contract K-\d+-l1 is draft: deliveries are recorded"):
            start_delivery(engine, draft["id"])

    def test_a_draft_is_terminated_with_its_reason(self, api: Api, draft: dict[str, Any]) -> None:
        response = step(api, draft, "terminate", reason="  the line was struck  ")

        assert response.status_code == 200, response.text
        terminated = response.json()
        assert (terminated["status"], terminated["termination_reason"]) == (
            "terminated",
            "the line was struck",
        )
        assert terminated["closed_at"] is not None


class TestWrongSteps:
    def test_a_draft_cannot_be_completed(self, api: Api, draft: dict[str, Any]) -> None:
        response = step(api, draft, "complete")

        assert response.status_code == 409
        assert response.json()["detail"] == (
            f"contract {draft['number']} is draft: only a contract that is in_delivery can be "
            "completed"
        )

    def test_a_signed_contract_is_not_signed_again(self, api: Api, draft: dict[str, Any]) -> None:
        signed = step(api, draft, "sign").json()

        again = step(api, signed, "sign")

        assert again.status_code == 409
        assert again.json()["error"] == "Conflict"
        assert again.json()["detail"].startswith(f"contract {draft['number']} is signed: ")

    def test_a_completed_contract_cannot_be_terminated(
        self, api: Api, engine: Engine, draft: dict[str, Any]
    ) -> None:
        step(api, draft, "sign")
        start_delivery(engine, draft["id"])
        in_delivery = api.get("planner", f"{CONTRACTS}/{draft['id']}").json()
        completed = step(api, in_delivery, "complete").json()

        response = step(api, completed, "terminate", reason="too late")

        assert response.status_code == 409
        assert response.json()["detail"] == (
            f"contract {draft['number']} is completed: only a contract that is draft or signed "
            "or in_delivery can be terminated"
        )

    def test_a_step_on_a_stale_version_is_refused(self, api: Api, draft: dict[str, Any]) -> None:
        step(api, draft, "sign")

        stale = step(api, draft, "terminate", reason="changed our mind")

        assert stale.status_code == 409
        assert stale.json()["error"] == "StaleVersion"
        assert stale.json()["detail"] == (
            f"contract {draft['number']} is at version 2, the update was made on version 1: "
            "read it again and reapply the change"
        )

    def test_termination_needs_a_reason(self, api: Api, draft: dict[str, Any]) -> None:
        response = step(api, draft, "terminate", reason="   ")

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {"field": "reason", "message": "must not be empty: say why"}
        ]

    def test_only_planners_take_steps(self, api: Api, draft: dict[str, Any]) -> None:
        statuses = {
            user: api.post(user, f"{CONTRACTS}/{draft['id']}/sign", json={"version": 1}).status_code
            for user in ("auditor", "producer", "partner", "logistics")
        }

        assert statuses == dict.fromkeys(statuses, 403)


class TestGuarantees:
    def test_a_guarantee_is_signed_then_terminated_with_the_reason_in_the_audit_chain(
        self, api: Api, engine: Engine
    ) -> None:
        approve(api, finished_run(engine), firm_months=2)
        guarantee = api.find("planner", GUARANTEES, line="l1")
        path = f"{GUARANTEES}/{guarantee['id']}"

        signed = api.post("planner", f"{path}/sign", json={"version": 1})
        again = api.post("planner", f"{path}/sign", json={"version": 2})
        ended = api.post(
            "planner", f"{path}/terminate", json={"version": 2, "reason": "re-planned"}
        )

        assert (signed.json()["status"], signed.json()["version"]) == ("signed", 2)
        assert again.status_code == 409
        assert again.json()["detail"] == (
            f"guarantee {guarantee['number']} is signed: only a guarantee that is draft can be "
            "signed"
        )
        assert (ended.json()["status"], ended.json()["version"]) == ("terminated", 3)
        with session_scope(engine) as session:
            event = session.scalars(
                select(models.AuditEvent).where(
                    models.AuditEvent.entity == "guarantees",
                    models.AuditEvent.action == "terminate",
                )
            ).one()
            assert event.entity_id == str(guarantee["id"])
            assert '"reason":"re-planned"' in (event.after or "")


def test_signing_is_an_audit_event_by_the_planner(
    api: Api, engine: Engine, draft: dict[str, Any]
) -> None:
    step(api, draft, "sign")

    with session_scope(engine) as session:
        events = session.scalars(
            select(models.AuditEvent)
            .where(
                models.AuditEvent.entity == "contracts",
                models.AuditEvent.entity_id == str(draft["id"]),
            )
            .order_by(models.AuditEvent.seq)  # in chain order: PostgreSQL gives no order else
        ).all()
        actions = [(event.action, event.actor) for event in events]
        (sign,) = [event for event in events if event.action == "sign"]
        assert sign.before == '{"status":"draft","version":1}'
    assert actions == [
        ("create", "planner@ministry.test"),
        ("sign", "planner@ministry.test"),
    ]
