"""Who sees which contracts and guarantees: a producer its own producer's, a partner those its
funds pay a share of (and only its own funds' rows of them), planners and auditors all; the
others none. Another organisation's record is not found (404), not refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from tests.api.conftest import Api
from tests.contracts.conftest import CONTRACTS, GUARANTEES, approve, finished_run


@pytest.fixture
def approved(api: Api, engine: Engine) -> dict[str, Any]:
    """The handmade run approved with two firm months: K-l1 (p1; state and eu) and K-l2 (p2;
    dk and state), guarantees G-l1 (state) and G-l2 (dk); ids by line."""
    summary = approve(api, finished_run(engine), firm_months=2)
    return {
        "contracts": {c["line"]: c["id"] for c in summary["contracts"]},
        "guarantees": {g["line"]: g["id"] for g in summary["guarantees"]},
    }


def lines(api: Api, user: str, path: str, **filters: Any) -> list[str]:
    response = api.get(user, path, params=filters)
    assert response.status_code == 200, response.text
    return [record["line"] for record in response.json()["items"]]


class TestProducer:
    @pytest.mark.usefixtures("approved")
    def test_a_producer_sees_its_own_contracts_and_guarantees_only(self, api: Api) -> None:
        assert lines(api, "producer", CONTRACTS) == ["l1"]
        assert lines(api, "other_producer", CONTRACTS) == ["l2"]
        assert lines(api, "producer", GUARANTEES) == ["l1"]
        assert lines(api, "other_producer", GUARANTEES) == ["l2"]

    def test_another_producers_contract_is_not_found(
        self, api: Api, approved: dict[str, Any]
    ) -> None:
        other = approved["contracts"]["l2"]

        for path in (f"{CONTRACTS}/{other}", f"{CONTRACTS}/{other}/versions"):
            response = api.get("producer", path)
            assert response.status_code == 404, path
            assert response.json()["detail"] == f"contract {other} not found"
        guarantee = api.get("producer", f"{GUARANTEES}/{approved['guarantees']['l2']}")
        assert guarantee.status_code == 404

    def test_a_producer_reads_its_contract_with_all_its_funding(
        self, api: Api, approved: dict[str, Any]
    ) -> None:
        contract = api.get("producer", f"{CONTRACTS}/{approved['contracts']['l1']}").json()

        assert [row["fund"] for row in contract["terms"]["funding"]] == ["eu", "state"]

    def test_a_producer_may_not_sign_its_own_contract(
        self, api: Api, approved: dict[str, Any]
    ) -> None:
        response = api.post(
            "producer", f"{CONTRACTS}/{approved['contracts']['l1']}/sign", json={"version": 1}
        )

        assert response.status_code == 403
        assert response.json()["detail"] == "role producer may not write contracts"


class TestPartner:
    @pytest.mark.usefixtures("approved")
    def test_a_partner_sees_what_its_fund_pays_for_and_only_its_own_rows(self, api: Api) -> None:
        contracts = api.get("partner", CONTRACTS).json()["items"]
        guarantees = api.get("partner", GUARANTEES).json()["items"]

        assert [c["line"] for c in contracts] == ["l2"]
        # K-l2 is paid by dk and the state budget; the partner of dk sees dk's row only.
        assert contracts[0]["terms"]["funding"] == [
            {"fund": "dk", "year": 2026, "amount": 390_000.0, "share": 0.5}
        ]
        assert [(g["line"], g["funds"]) for g in guarantees] == [
            ("l2", [{"fund": "dk", "share": 1.0}])
        ]

    def test_a_contract_its_fund_does_not_pay_is_not_found(
        self, api: Api, approved: dict[str, Any]
    ) -> None:
        response = api.get("partner", f"{CONTRACTS}/{approved['contracts']['l1']}")

        assert response.status_code == 404

    def test_a_partner_loses_sight_of_a_contract_amended_to_other_money(
        self, api: Api, approved: dict[str, Any]
    ) -> None:
        contract_id = approved["contracts"]["l2"]
        api.post(
            "planner",
            f"{CONTRACTS}/{contract_id}/amendments",
            json={
                "version": 1,
                "reason": "dk's money moved to another line",
                "deliveries": [{"month": "2026-11", "quantity": 1000, "price": 400}],
                "funding": [{"fund": "state", "year": 2026, "amount": 400_000}],
            },
        )

        assert lines(api, "partner", CONTRACTS) == []
        assert api.get("partner", f"{CONTRACTS}/{contract_id}").status_code == 404


class TestEveryoneElse:
    @pytest.mark.usefixtures("approved")
    def test_planners_and_auditors_see_all_and_filter(self, api: Api) -> None:
        assert lines(api, "planner", CONTRACTS) == ["l1", "l2"]
        assert lines(api, "auditor", CONTRACTS) == ["l1", "l2"]
        assert lines(api, "auditor", GUARANTEES) == ["l1", "l2"]
        assert lines(api, "planner", CONTRACTS, fund="eu") == ["l1"]
        assert lines(api, "planner", CONTRACTS, producer="p2", status="draft") == ["l2"]
        assert lines(api, "planner", CONTRACTS, status="signed") == []
        assert lines(api, "planner", GUARANTEES, fund="dk") == ["l2"]
        # fund codes are matched exactly: DK is not dk
        assert lines(api, "planner", GUARANTEES, fund="DK") == []
        assert lines(api, "planner", CONTRACTS, item="art-155", limit=1) == ["l1"]

    def test_logistics_and_admins_may_not_read_contracts(
        self, api: Api, approved: dict[str, Any]
    ) -> None:
        statuses = {
            (user, path): api.get(user, path).status_code
            for user in ("logistics", "admin")
            for path in (CONTRACTS, GUARANTEES, f"{CONTRACTS}/{approved['contracts']['l1']}")
        }

        assert statuses == dict.fromkeys(statuses, 403)

    def test_no_token_no_contracts(self, api: Api) -> None:
        assert api.client.get(CONTRACTS).status_code == 401
