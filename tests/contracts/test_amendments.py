"""POST /contracts/{id}/amendments: new terms are a new version; the old ones stay readable."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kuznia import models
from kuznia.db import session_scope
from tests.api.conftest import Api
from tests.contracts.conftest import CONTRACTS, approve, contract_of, finished_run


@pytest.fixture
def draft(api: Api, engine: Engine) -> dict[str, Any]:
    """K-<run>-l1 of the handmade run with two firm months: 100 and 200 rounds at 3,100 in
    2026-11 and 2026-12 (930,000), paid in 2026 by state 620,000 and eu 310,000."""
    summary = approve(api, finished_run(engine), firm_months=2)
    return contract_of(api, summary, "l1")


def amend(api: Api, contract: dict[str, Any], **body: Any) -> Any:
    return api.post(
        "planner",
        f"{CONTRACTS}/{contract['id']}/amendments",
        json={"version": contract["version"], **body},
    )


class TestNewVersions:
    def test_an_amendment_is_version_2_and_version_1_stays_as_it_was(
        self, api: Api, draft: dict[str, Any]
    ) -> None:
        response = amend(
            api,
            draft,
            reason="capacity grew in December",
            deliveries=[
                {"month": "2026-11", "quantity": 100, "price": 3100},
                {"month": "2026-12", "quantity": 250, "price": 3000},
            ],
        )

        assert response.status_code == 201, response.text
        amended = response.json()
        assert (amended["current_version"], amended["versions"], amended["version"]) == (2, 2, 2)
        assert amended["terms"]["reason"] == "capacity grew in December"
        assert (amended["terms"]["quantity"], amended["terms"]["value"]) == (350.0, 1_060_000.0)
        # The funding of version 1 rescaled to the new value: state 2/3, eu 1/3 of 1,060,000.
        assert amended["terms"]["funding"] == [
            {"fund": "eu", "year": 2026, "amount": 353_333.33, "share": 353_333.33 / 1_060_000},
            {"fund": "state", "year": 2026, "amount": 706_666.67, "share": 706_666.67 / 1_060_000},
        ]
        versions = api.get("planner", f"{CONTRACTS}/{draft['id']}/versions").json()
        assert [v["number"] for v in versions] == [1, 2]
        assert versions[0] == draft["terms"]
        first = api.get("planner", f"{CONTRACTS}/{draft['id']}/versions/1").json()
        assert first == draft["terms"]
        missing = api.get("planner", f"{CONTRACTS}/{draft['id']}/versions/3")
        assert missing.status_code == 404
        assert missing.json()["detail"] == f"contract {draft['number']} has no version 3"

    def test_a_new_year_is_funded_in_the_overall_proportions(
        self, api: Api, draft: dict[str, Any]
    ) -> None:
        amended = amend(
            api,
            draft,
            reason="one month later",
            deliveries=[
                {"month": "2026-12", "quantity": 100, "price": 3100},
                {"month": "2027-01", "quantity": 200, "price": 3100},
            ],
        ).json()

        assert [(f["fund"], f["year"], f["amount"]) for f in amended["terms"]["funding"]] == [
            ("eu", 2026, 103_333.33),
            ("state", 2026, 206_666.67),
            ("eu", 2027, 206_666.67),
            ("state", 2027, 413_333.33),
        ]

    def test_funding_given_replaces_the_old(self, api: Api, draft: dict[str, Any]) -> None:
        amended = amend(
            api,
            draft,
            reason="the EU money went elsewhere",
            deliveries=[{"month": "2026-11", "quantity": 300, "price": 3100}],
            funding=[{"fund": "state", "year": 2026, "amount": 930_000}],
        ).json()

        assert amended["terms"]["funding"] == [
            {"fund": "state", "year": 2026, "amount": 930_000.0, "share": 1.0}
        ]

    def test_a_signed_contract_can_be_amended_and_stays_signed(
        self, api: Api, draft: dict[str, Any]
    ) -> None:
        signed = api.post("planner", f"{CONTRACTS}/{draft['id']}/sign", json={"version": 1}).json()

        amended = amend(
            api,
            signed,
            reason="price cut",
            deliveries=[{"month": "2026-11", "quantity": 300, "price": 3000}],
        ).json()

        assert (amended["status"], amended["current_version"]) == ("signed", 2)


class TestRefusedAmendments:
    def test_every_bad_field_is_named(self, api: Api, draft: dict[str, Any]) -> None:
        response = amend(
            api,
            draft,
            reason="fix",
            deliveries=[
                {"month": "2026-11", "quantity": 100, "price": 3100},
                {"month": "2026-12", "quantity": 100, "price": 3100},
                {"month": "2026-13", "quantity": 100, "price": 3100},
                {"month": "2026-11", "quantity": 1, "price": 3100},
            ],
            funding=[
                {"fund": "nato", "year": 2026, "amount": 100},
                {"fund": "state", "year": 2030, "amount": 100},
            ],
        )

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {"field": "deliveries[2].month", "message": '"2026-13" is not a month YYYY-MM'},
            {
                "field": "deliveries[3].month",
                "message": '"2026-11" is given twice (first at deliveries[0])',
            },
            {"field": "funding[0].fund", "message": 'unknown fund "nato"'},
            {"field": "funding[1].year", "message": "2030 is not a year of the new schedule"},
            {
                "field": "funding",
                "message": "the amounts add up to 200.00, the new schedule is worth 623,100.00",
            },
        ]

    def test_schema_breaks_are_named_like_the_rest(self, api: Api, draft: dict[str, Any]) -> None:
        response = amend(
            api, draft, reason="x", deliveries=[{"month": "2026-11", "quantity": -1, "price": 1}]
        )

        assert response.status_code == 422
        assert [p["field"] for p in response.json()["problems"]] == ["deliveries[0].quantity"]

    def test_an_amendment_needs_a_reason(self, api: Api, draft: dict[str, Any]) -> None:
        response = amend(
            api, draft, reason=" ", deliveries=[{"month": "2026-11", "quantity": 1, "price": 1}]
        )

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {"field": "reason", "message": "must not be empty: say why the terms change"}
        ]

    def test_an_amendment_on_a_stale_version_is_refused_and_adds_nothing(
        self, api: Api, engine: Engine, draft: dict[str, Any]
    ) -> None:
        deliveries = [{"month": "2026-11", "quantity": 300, "price": 3100}]
        amend(api, draft, reason="first", deliveries=deliveries)

        stale = amend(api, draft, reason="second", deliveries=deliveries)

        assert stale.status_code == 409
        assert stale.json()["error"] == "StaleVersion"
        with session_scope(engine) as session:
            count = session.scalar(
                select(func.count()).where(models.ContractVersion.contract_id == draft["id"])
            )
        assert count == 2

    def test_a_terminated_contract_is_not_amended(self, api: Api, draft: dict[str, Any]) -> None:
        ended = api.post(
            "planner",
            f"{CONTRACTS}/{draft['id']}/terminate",
            json={"version": 1, "reason": "cancelled"},
        ).json()

        response = amend(
            api,
            ended,
            reason="revive",
            deliveries=[{"month": "2026-11", "quantity": 1, "price": 1}],
        )

        assert response.status_code == 409
        assert response.json()["detail"] == (
            f"contract {draft['number']} is terminated: only a contract that is draft or signed "
            "or in_delivery can be amended"
        )


def test_an_amendment_is_an_audit_event_with_its_reason(
    api: Api, engine: Engine, draft: dict[str, Any]
) -> None:
    amend(
        api,
        draft,
        reason="capacity grew",
        deliveries=[{"month": "2026-11", "quantity": 300, "price": 3100}],
    )

    with session_scope(engine) as session:
        (event,) = session.scalars(
            select(models.AuditEvent).where(models.AuditEvent.action == "amend")
        ).all()
        created_versions = session.scalar(
            select(func.count()).where(
                models.AuditEvent.entity == "contract_versions",
                models.AuditEvent.action == "create",
            )
        )
        assert (event.entity, event.entity_id, event.actor) == (
            "contracts",
            str(draft["id"]),
            "planner@ministry.test",
        )
        assert event.before == '{"current_version":1,"version":1}'
        assert event.after == (
            '{"current_version":2,"quantity":300.0,"reason":"capacity grew","value":930000.0}'
        )
    # two versions at approval (K-l1, K-l2), one by the amendment
    assert created_versions == 3
