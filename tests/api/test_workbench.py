"""The planner's workbench through the API: stored scenarios (planners write, auditors read,
versioned), a scenario run against a finished plan run, sweeps, critical producers and robust
plans, each a job run in-process as a worker does (`kuznia.worker.work_all`)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from kuznia import models
from kuznia.db import session_scope
from kuznia.worker import work_all
from tests.api.conftest import Api

RUNS = "/api/v1/plan-runs"
JOBS = "/api/v1/jobs"
SCENARIOS = "/api/v1/scenarios"

STRIKE = {
    "name": "p1 dark",
    "description": "producer p1 stops for the whole horizon",
    "changes": [{"kind": "capacity_loss", "producers": ["p1"], "share": 1.0}],
}


@pytest.fixture
def run_id(api: Api, engine: Engine) -> int:
    """The VARIED registry planned once, in-process."""
    run = api.post("planner", RUNS, json={}).json()
    work_all(engine=engine)
    assert api.get("planner", f"{RUNS}/{run['id']}").json()["status"] == "finished"
    return int(run["id"])


def store(api: Api, body: dict[str, Any] = STRIKE) -> dict[str, Any]:
    response = api.post("planner", SCENARIOS, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def finished(api: Api, engine: Engine, job: dict[str, Any]) -> dict[str, Any]:
    work_all(engine=engine)
    answer = api.get("planner", f"{JOBS}/{job['id']}").json()
    assert answer["status"] == "finished", answer
    return answer  # type: ignore[no-any-return]


def test_a_planner_stores_changes_and_removes_a_scenario_and_the_audit_chain_keeps_it(
    api: Api, engine: Engine
) -> None:
    stored = store(api)
    assert stored["document"]["format"] == "kuznia-scenario/1"
    assert stored["document"]["changes"][0]["producers"] == ["p1"]
    assert api.get("auditor", f"{SCENARIOS}/{stored['id']}").json()["name"] == "p1 dark"
    changed = {**STRIKE, "name": "p1 half", "version": stored["version"]}
    changed["changes"] = [{"kind": "capacity_loss", "producers": ["p1"], "share": 0.5}]
    response = api.client.put(
        f"{SCENARIOS}/{stored['id']}", json=changed, headers=api.headers("planner")
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == stored["version"] + 1
    stale = api.client.put(
        f"{SCENARIOS}/{stored['id']}", json=changed, headers=api.headers("planner")
    )
    assert stale.status_code == 409
    assert api.delete("planner", f"{SCENARIOS}/{stored['id']}").status_code == 204
    assert api.get("planner", f"{SCENARIOS}/{stored['id']}").status_code == 404
    with session_scope(engine) as session:
        actions = session.scalars(
            select(models.AuditEvent.action).where(models.AuditEvent.entity == "scenarios")
        ).all()
    assert list(actions) == ["create", "update", "delete"]


def test_a_broken_scenario_is_refused_naming_the_field_and_a_name_is_taken_once(api: Api) -> None:
    bad = {**STRIKE, "changes": [{"kind": "capacity_loss", "producers": ["p1"], "share": 2}]}
    response = api.post("planner", SCENARIOS, json=bad)
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["problems"]}
    assert "changes[0].share" in fields
    store(api)
    again = api.post("planner", SCENARIOS, json=STRIKE)
    assert again.status_code == 409
    assert again.json()["problems"][0]["field"] == "name"


@pytest.mark.parametrize("role", ["producer", "partner", "logistics", "admin"])
def test_only_planners_and_auditors_reach_scenarios(api: Api, role: str) -> None:
    stored = store(api)
    assert api.get(role, SCENARIOS).status_code == 403
    assert api.get(role, f"{SCENARIOS}/{stored['id']}").status_code == 403
    assert api.post(role, SCENARIOS, json={**STRIKE, "name": "x"}).status_code == 403
    assert api.post("auditor", SCENARIOS, json={**STRIKE, "name": "y"}).status_code == 403


def test_a_scenario_run_compares_the_struck_plan_with_the_base(
    api: Api, engine: Engine, run_id: int
) -> None:
    stored = store(api)
    response = api.post("planner", f"{SCENARIOS}/{stored['id']}/runs", json={"plan_run_id": run_id})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["kind"] == "scenario"
    assert job["status"] == "queued"
    result = finished(api, engine, job)["result"]
    base, changed = result["base"], result["changed"]
    assert base["deliveries_by_producer"].get("p1", 0) > 0
    assert changed["deliveries_by_producer"].get("p1", 0) == 0
    # nothing else changed, so losing a producer cannot serve any tier better
    for priority, short in base["tiers"].items():
        assert changed["tiers"][priority] >= short - 1e-6
    assert {row["producer"] for row in result["producers"]} >= {"p1"}
    p1 = next(row for row in result["producers"] if row["producer"] == "p1")
    assert p1["change"] == -p1["base"]
    assert set(result["held"]["tiers"]) == set(base["tiers"])
    assert len(base["coverage_by_month"]) == result["months"]
    # who takes over p1's deliveries, and why: p1's capacity is struck
    takeovers = result["comparison"]["takeovers"]
    assert takeovers
    assert all(s["producer"] == "p1" for row in takeovers for s in row["losing"])
    assert "p1" not in {s["producer"] for row in takeovers for s in row["gaining"]}
    struck = [r for r in result["comparison"]["reasons"] if r["kind"] == "capacity"]
    assert {r["subject"] for r in struck} == {"p1"}
    assert all(r["change"] < 0 for r in struck)


def test_a_scenario_naming_what_the_snapshot_lacks_is_refused_before_it_is_queued(
    api: Api, engine: Engine, run_id: int
) -> None:
    ghost = store(
        api,
        {"name": "ghost", "changes": [{"kind": "capacity_loss", "producers": ["p-none"]}]},
    )
    response = api.post("planner", f"{SCENARIOS}/{ghost['id']}/runs", json={"plan_run_id": run_id})
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"].startswith("changes[0].producers")
    with session_scope(engine) as session:
        assert session.scalars(select(models.Job)).all() == []


def test_a_run_without_a_plan_cannot_be_analysed(api: Api) -> None:
    queued = api.post("planner", RUNS, json={}).json()
    stored = store(api)
    for path, body in (
        (f"{SCENARIOS}/{stored['id']}/runs", {"plan_run_id": queued["id"]}),
        ("/api/v1/sweeps", {"plan_run_id": queued["id"], "scenarios": 2}),
        ("/api/v1/critical", {"plan_run_id": queued["id"]}),
    ):
        response = api.post("planner", path, json=body)
        assert response.status_code == 409, (path, response.text)


def test_a_sweep_reports_each_tier_coverage_per_month_and_critical_producers(
    api: Api, engine: Engine, run_id: int
) -> None:
    body = {"plan_run_id": run_id, "scenarios": 6, "seed": 5, "strike_probability": 0.3}
    job = api.post("planner", "/api/v1/sweeps", json=body)
    assert job.status_code == 202, job.text
    answer = finished(api, engine, job.json())
    result = answer["result"]
    assert answer["progress"] == 1.0
    assert result["evaluated"] + len(result["failed"]) == 6
    for tier in result["tiers"].values():
        assert len(tier["values"]) == result["evaluated"]
        assert tier["p5"] <= tier["p50"] <= tier["p95"]
    months = result["coverage_by_month"]
    assert len(months) == result["months"]
    assert all(m["p5"] <= m["p50"] <= m["p95"] for m in months)
    assert result["producers"], "a strike probability of 0.3 strikes someone in 6 scenarios"
    for row in result["producers"]:
        assert 0 <= row["critical"] <= row["struck"] <= 6
    again = finished(api, engine, api.post("planner", "/api/v1/sweeps", json=body).json())
    assert again["result"]["tiers"] == result["tiers"], "the same seed gives the same sweep"


def test_a_sweep_out_of_range_is_refused_naming_the_field(api: Api, run_id: int) -> None:
    for field, value in (("scenarios", 0), ("strike_probability", 1.5), ("seed", -1)):
        body = {"plan_run_id": run_id, "scenarios": 3, field: value}
        response = api.post("planner", "/api/v1/sweeps", json=body)
        assert response.status_code == 422, response.text
        assert field in response.text


def test_a_queued_sweep_is_cancelled_and_never_run(api: Api, engine: Engine, run_id: int) -> None:
    job = api.post("planner", "/api/v1/sweeps", json={"plan_run_id": run_id, "scenarios": 3})
    cancelled = api.post("planner", f"{JOBS}/{job.json()['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    work_all(engine=engine)
    assert api.get("planner", f"{JOBS}/{job.json()['id']}").json()["result"] is None


def test_critical_producers_and_regions_are_ranked_with_herfindahl_per_item(
    api: Api, engine: Engine, run_id: int
) -> None:
    job = api.post("planner", "/api/v1/critical", json={"plan_run_id": run_id, "top": 2})
    assert job.status_code == 202, job.text
    result = finished(api, engine, job.json())["result"]
    assert result["format"] == "kuznia-critical/1"
    assert {row["producer"] for row in result["producers"]} == {"p1", "p2", "p3", "p4"}
    assert [row["rank"] for row in result["producers"]] == [1, 2, 3, 4]
    assert {row["region"] for row in result["regions"]} == {"r-1", "r-2"}
    for row in result["concentration"]:
        assert row["hhi_deliveries"] is None or 0 < row["hhi_deliveries"] <= 1


def test_a_robust_plan_run_solves_robustly_and_reports_its_check(api: Api, engine: Engine) -> None:
    robust = {"scenarios": 3, "seed": 2, "check_scenarios": 4, "check_seed": 9}
    run = api.post("planner", RUNS, json={"robust": robust})
    assert run.status_code == 202, run.text
    assert run.json()["options"]["robust"] == robust
    work_all(engine=engine)
    read = api.get("planner", f"{RUNS}/{run.json()['id']}").json()
    assert read["status"] == "finished", read
    assert read["robust"]["scenarios"] == 3
    assert read["robust"]["check"]["scenarios"] == 4
    assert read["robust"]["check"]["seed"] == 9
    plain = api.post("planner", RUNS, json={}).json()
    assert "robust" not in plain["options"]
    assert api.get("partner", f"{RUNS}/{run.json()['id']}").json().get("robust") is None
    milp = api.post("planner", RUNS, json={"mode": "milp", "robust": robust})
    assert milp.status_code == 422
    assert "robust" in milp.text


class TestForeignShortfallBySupplierCountry:
    """A shortfall of what one supplier country is expected to deliver, resolved against the
    registry's foreign supply when the scenario is stored (decision 0016)."""

    def test_it_is_stored_as_cuts_per_item_and_month_labelled_with_the_country(
        self, api: Api
    ) -> None:
        # VARIED expects 5,000 rounds of art-155 in month 1 from nobody known; PL adds 15,000
        # and 8 fpv in month 2 (of 12.5 + 8): half of PL's missing is 0.5 * 15,000 / 20,000
        # of art-155 in month 1 and 0.5 * 8 / 20.5 of fpv in month 2
        for item, month, quantity in (("art-155", 1, 15000), ("fpv", 2, 8)):
            body = {"item": item, "month": month, "quantity": quantity, "supplier_country": "PL"}
            added = api.post("planner", "/api/v1/foreign-supply", json=body)
            assert added.status_code == 201, added.text
            assert added.json()["supplier_country"] == "PL"
        request = {"kind": "foreign_supply_cut", "country": "PL", "share": 0.5}

        stored = store(api, {"name": "PL half", "changes": [request]})

        assert stored["document"]["changes"] == [
            {
                "kind": "foreign_supply_cut",
                "country": "PL",
                "items": ["art-155"],
                "first_month": 1,
                "last_month": 1,
                "share": 0.375,
            },
            {
                "kind": "foreign_supply_cut",
                "country": "PL",
                "items": ["fpv"],
                "first_month": 2,
                "last_month": 2,
                "share": round(0.5 * 8 / 20.5, 12),
            },
        ]
        listed = api.get("planner", "/api/v1/foreign-supply?supplier_country=PL").json()
        assert [row["item"] for row in listed["items"]] == ["art-155", "fpv"]

    def test_months_without_the_countrys_supply_are_refused_naming_the_field(
        self, api: Api
    ) -> None:
        body = {"item": "fpv", "month": 2, "quantity": 8, "supplier_country": "PL"}
        assert api.post("planner", "/api/v1/foreign-supply", json=body).status_code == 201
        request = {"kind": "foreign_supply_cut", "country": "PL", "first_month": 0}

        early = api.post(
            "planner",
            SCENARIOS,
            json={"name": "PL early", "changes": [{**request, "last_month": 1}]},
        )
        unknown = api.post(
            "planner", SCENARIOS, json={"name": "FR", "changes": [{**request, "country": "FR"}]}
        )
        lower = api.post(
            "planner", SCENARIOS, json={"name": "pl", "changes": [{**request, "country": "pl"}]}
        )

        assert early.status_code == 422, early.text
        assert early.json()["problems"] == [
            {
                "field": "changes[0].country",
                "message": 'supplier country "PL" is expected to deliver nothing in months 0..1',
            }
        ]
        assert unknown.status_code == 422, unknown.text
        assert unknown.json()["problems"] == [
            {
                "field": "changes[0].country",
                "message": 'unknown supplier country "FR": the registry expects foreign supply '
                "from PL",
            }
        ]
        assert lower.status_code == 422, lower.text
        assert lower.json()["problems"][0]["field"] == "changes[0].country"

    def test_a_registry_country_code_is_two_capital_letters(self, api: Api) -> None:
        body = {"item": "fpv", "month": 2, "quantity": 8, "supplier_country": "Poland"}
        refused = api.post("planner", "/api/v1/foreign-supply", json=body)
        assert refused.status_code == 422
        assert "supplier_country" in refused.text
