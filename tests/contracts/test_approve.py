"""POST /plan-runs/{id}/approve: a finished run's plan becomes draft contracts (the firm months)
and purchase guarantees (the months after), with each fund's share of every contract."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.api.conftest import Api
from tests.contracts.conftest import (
    CONTRACTS,
    GUARANTEES,
    RUNS,
    approve,
    contract_of,
    finished_run,
    solved_run,
)


class TestApproveASolvedRun:
    def test_varied_solved_becomes_one_contract_for_line_l1(self, api: Api, engine: Engine) -> None:
        # VARIED's plan: line l1 delivers 500 rounds in 2026-11 (100 of capacity + 400 of the
        # expansion e1) at 3,100 each, all paid by the state budget in 2026.
        run_id = solved_run(api, engine)

        summary = approve(api, run_id)

        assert summary == {
            "plan_run_id": run_id,
            "firm_months": 3,
            "guarantee_share": 1.0,
            "contracts": [
                {
                    "id": summary["contracts"][0]["id"],
                    "number": f"K-{run_id}-l1",
                    "producer": "p1",
                    "line": "l1",
                    "item": "art-155",
                    "quantity": 500.0,
                    "value": 1_550_000.0,
                }
            ],
            "guarantees": [],
            "funds": [{"fund": "state", "contracted": 1_550_000.0, "guaranteed": 0.0}],
        }
        contract = contract_of(api, summary, "l1")
        assert (contract["status"], contract["current_version"], contract["versions"]) == (
            "draft",
            1,
            1,
        )
        assert contract["terms"]["reason"] == f"approved from plan run {run_id}"
        assert contract["terms"]["deliveries"] == [
            {"month": "2026-11", "quantity": 500.0, "price": 3100.0, "value": 1_550_000.0}
        ]
        # The expansion's capex (12 M from the state budget) is not part of the contract.
        assert contract["terms"]["funding"] == [
            {"fund": "state", "year": 2026, "amount": 1_550_000.0, "share": 1.0}
        ]


class TestApproveWithAFirmWindow:
    def test_two_firm_months_make_contracts_and_the_third_half_guarantees(
        self, api: Api, engine: Engine
    ) -> None:
        run_id = finished_run(engine)

        summary = approve(api, run_id, firm_months=2, guarantee_share=0.5)

        l1, l2 = contract_of(api, summary, "l1"), contract_of(api, summary, "l2")
        assert (l1["number"], l1["terms"]["quantity"], l1["terms"]["value"]) == (
            f"K-{run_id}-l1",
            300.0,
            930_000.0,
        )
        assert l1["terms"]["deliveries"] == [
            {"month": "2026-11", "quantity": 100.0, "price": 3100.0, "value": 310_000.0},
            {"month": "2026-12", "quantity": 200.0, "price": 3100.0, "value": 620_000.0},
        ]
        # 2026 is wholly contracted: the run's 2026 payments for l1 as they are.
        assert l1["terms"]["funding"] == [
            {"fund": "eu", "year": 2026, "amount": 310_000.0, "share": 1 / 3},
            {"fund": "state", "year": 2026, "amount": 620_000.0, "share": 2 / 3},
        ]
        assert l2["terms"]["deliveries"] == [
            {"month": "2026-11", "quantity": 1000.0, "price": 400.0, "value": 400_000.0},
            {"month": "2026-12", "quantity": 1000.0, "price": 380.0, "value": 380_000.0},
        ]
        assert l2["terms"]["funding"] == [
            {"fund": "dk", "year": 2026, "amount": 390_000.0, "share": 0.5},
            {"fund": "state", "year": 2026, "amount": 390_000.0, "share": 0.5},
        ]
        # 2027-01 becomes guarantees for half the planned quantity, at the highest price.
        guarantees = {g["line"]: g for g in summary["guarantees"]}
        assert {
            line: (g["number"], g["quantity"], g["price"], g["start"], g["end"])
            for line, g in guarantees.items()
        } == {
            "l1": (f"G-{run_id}-l1", 150.0, 3100.0, "2027-01", "2027-01"),
            "l2": (f"G-{run_id}-l2", 1000.0, 360.0, "2027-01", "2027-01"),
        }
        stored = api.get("planner", f"{GUARANTEES}/{guarantees['l2']['id']}").json()
        assert (stored["status"], stored["funds"]) == ("draft", [{"fund": "dk", "share": 1.0}])
        assert summary["funds"] == [
            {"fund": "dk", "contracted": 390_000.0, "guaranteed": 360_000.0},
            {"fund": "eu", "contracted": 310_000.0, "guaranteed": 0.0},
            {"fund": "state", "contracted": 1_010_000.0, "guaranteed": 465_000.0},
        ]

    def test_a_year_contracted_in_part_pays_in_part_in_the_plans_proportions(
        self, api: Api, engine: Engine
    ) -> None:
        run_id = finished_run(engine)

        summary = approve(api, run_id, firm_months=1)

        l1, l2 = contract_of(api, summary, "l1"), contract_of(api, summary, "l2")
        # l1 delivers 310,000 of its 930,000 planned for 2026: a third of each 2026 payment.
        assert l1["terms"]["funding"] == [
            {"fund": "eu", "year": 2026, "amount": 103_333.33, "share": 103_333.33 / 310_000},
            {"fund": "state", "year": 2026, "amount": 206_666.67, "share": 206_666.67 / 310_000},
        ]
        assert sum(row["share"] for row in l1["terms"]["funding"]) == 1.0
        assert l2["terms"]["funding"] == [
            {"fund": "dk", "year": 2026, "amount": 200_000.0, "share": 0.5},
            {"fund": "state", "year": 2026, "amount": 200_000.0, "share": 0.5},
        ]
        # l2's guarantee: 2026-12 (380,000 of 2026's 780,000: dk 190,000, state 190,000) and
        # 2027-01 (dk 720,000): dk pays 910,000 of 1,100,000.
        guarantee = api.find("planner", GUARANTEES, line="l2")
        assert (
            guarantee["quantity"],
            guarantee["price"],
            guarantee["start"],
            guarantee["end"],
        ) == (
            3000.0,
            380.0,
            "2026-12",
            "2027-01",
        )
        assert guarantee["funds"] == [
            {"fund": "dk", "share": round(910 / 1100, 9)},
            {"fund": "state", "share": round(190 / 1100, 9)},
        ]

    def test_no_firm_months_make_guarantees_only(self, api: Api, engine: Engine) -> None:
        run_id = finished_run(engine)

        summary = approve(api, run_id, firm_months=0)

        assert summary["contracts"] == []
        assert [
            (g["line"], g["quantity"], g["start"], g["end"]) for g in summary["guarantees"]
        ] == [
            ("l1", 600.0, "2026-11", "2027-01"),
            ("l2", 4000.0, "2026-11", "2027-01"),
        ]


class TestRefusals:
    def test_a_run_approved_twice_is_refused_the_second_time(
        self, api: Api, engine: Engine
    ) -> None:
        run_id = finished_run(engine)
        approve(api, run_id)

        again = api.post("planner", f"{RUNS}/{run_id}/approve", json={})

        assert again.status_code == 409
        assert (
            again.json()["detail"] == f"plan run {run_id} is approved already: its contracts exist"
        )
        assert api.get("planner", CONTRACTS).json()["total"] == 2

    def test_a_queued_run_cannot_be_approved(self, api: Api) -> None:
        run = api.post("planner", RUNS, json={}).json()

        response = api.post("planner", f"{RUNS}/{run['id']}/approve", json={})

        assert response.status_code == 409
        assert response.json()["detail"] == (
            f"plan run {run['id']} is queued: only a finished run with a plan can be approved"
        )

    def test_a_run_that_found_no_plan_cannot_be_approved(self, api: Api, engine: Engine) -> None:
        run_id = finished_run(engine, deliveries=[], payments=[], cost=None)

        response = api.post("planner", f"{RUNS}/{run_id}/approve")

        assert response.status_code == 409
        assert response.json()["detail"] == (
            f"plan run {run_id} finished without a plan (solve status infeasible): "
            "there is nothing to approve"
        )

    def test_an_unknown_run_is_not_found(self, api: Api) -> None:
        response = api.post("planner", f"{RUNS}/424242/approve", json={})

        assert response.status_code == 404
        assert response.json()["detail"] == "plan run 424242 not found"

    def test_bad_options_name_their_fields(self, api: Api, engine: Engine) -> None:
        run_id = finished_run(engine)

        beyond = api.post("planner", f"{RUNS}/{run_id}/approve", json={"firm_months": 4})
        bad_share = api.post("planner", f"{RUNS}/{run_id}/approve", json={"guarantee_share": 0})

        assert beyond.status_code == 422
        assert beyond.json()["problems"] == [
            {"field": "firm_months", "message": "4 is beyond the run's horizon of 3 months"}
        ]
        assert bad_share.status_code == 422
        assert [p["field"] for p in bad_share.json()["problems"]] == ["guarantee_share"]

    def test_only_planners_approve(self, api: Api, engine: Engine) -> None:
        run_id = finished_run(engine)

        statuses = {
            user: api.post(user, f"{RUNS}/{run_id}/approve", json={}).status_code
            for user in ("auditor", "producer", "partner", "logistics", "admin")
        }

        assert statuses == dict.fromkeys(statuses, 403)
        assert api.get("planner", CONTRACTS).json()["total"] == 0


def test_an_approval_is_one_audit_event_besides_the_rows_it_creates(
    api: Api, engine: Engine
) -> None:
    run_id = finished_run(engine)
    approve(api, run_id, firm_months=2)

    events = api.get(
        "auditor", "/api/v1/audit/events", params={"entity": "plan_runs", "action": "approve"}
    ).json()["items"]
    created = api.get(
        "auditor", "/api/v1/audit/events", params={"entity": "contracts", "action": "create"}
    ).json()["items"]

    (event,) = events
    assert event["actor"] == "planner@ministry.test"
    assert (event["entity_id"], event["before"]) == (str(run_id), None)
    assert event["after"] == {
        "contracts": [f"K-{run_id}-l1", f"K-{run_id}-l2"],
        "firm_months": 2,
        "guarantee_share": 1.0,
        "guarantees": [f"G-{run_id}-l1", f"G-{run_id}-l2"],
    }
    assert sorted(e["after"]["number"] for e in created) == [f"K-{run_id}-l1", f"K-{run_id}-l2"]
