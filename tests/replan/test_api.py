"""`POST /api/v1/replans`: the next instance from the actual state, and its plan run queued
for the workers, marked as a re-plan. On VARIED (tests/db/builders.py: 2026-11 + 3 months)
with no execution yet: the re-plan from 2026-12 is the registry rolled one month on."""

from __future__ import annotations

from sqlalchemy import Engine

from kuznia.plans import worker
from tests.api.conftest import Api, api, cheap_password_hashes

__all__ = ["api", "cheap_password_hashes"]

REPLANS = "/api/v1/replans"


def test_a_planner_replans_and_the_run_is_queued_as_a_replan(api: Api, engine: Engine) -> None:
    response = api.post("planner", REPLANS, json={"start": "2026-12", "plan": True})

    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["start"], body["contracts"], body["guarantees"]) == ("2026-12", 0, 0)
    assert (body["instance"]["start"], body["instance"]["months"]) == ("2026-12", 2)
    run = body["plan_run"]
    assert (run["status"], run["kind"], run["replan_of"]) == ("queued", "replan", None)
    assert worker.claim_next(engine=engine) == run["id"]
    worker.solve_run(engine=engine, run_id=run["id"])
    solved = api.get("planner", f"/api/v1/plan-runs/{run['id']}").json()
    assert (solved["status"], solved["kind"]) == ("finished", "replan")
    instance = api.get("planner", f"/api/v1/plan-runs/{run['id']}/instance").json()
    assert instance == body["instance"]


def test_without_a_plan_it_only_builds_the_next_instance(api: Api, engine: Engine) -> None:
    response = api.post("planner", REPLANS, json={"start": "2026-11", "plan": False})

    assert response.status_code == 200, response.text
    assert response.json()["plan_run"] is None
    assert worker.claim_next(engine=engine) is None


def test_a_start_outside_the_horizon_is_named(api: Api) -> None:
    response = api.post("planner", REPLANS, json={"start": "2027-02", "plan": True})

    assert response.status_code == 422
    assert response.json()["problems"] == [
        {"field": "start", "message": "2027-02 is outside the horizon 2026-11 + 3 months"}
    ]


def test_only_planners_replan(api: Api) -> None:
    for user in ("auditor", "producer", "logistics"):
        response = api.post(user, REPLANS, json={"start": "2026-12", "plan": False})
        assert response.status_code == 403, user
