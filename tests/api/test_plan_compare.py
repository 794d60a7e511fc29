"""`GET /api/v1/plan-runs/{a}/compare/{b}`: two stored runs compared, with the reasons."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kuznia.plans.worker import work
from tests.api.conftest import Api

RUNS = "/api/v1/plan-runs"


def solved(api: Api, engine: Engine) -> int:
    run = api.post("planner", RUNS, json={}).json()
    work(engine=engine)
    return int(run["id"])


@pytest.fixture
def runs(api: Api, engine: Engine) -> tuple[int, int]:
    """VARIED planned, then again with the state fund's 2026 budget cut to 100,000."""
    first = solved(api, engine)
    state = api.find("planner", "/api/v1/funds", code="state")
    body = {"version": state["version"], "budget": {"2026": 100000, "2027": 5000000000}}
    assert api.patch("planner", f"/api/v1/funds/{state['id']}", json=body).status_code == 200
    return first, solved(api, engine)


def test_a_fund_cut_is_named_as_the_reason_the_shortfall_rises(
    api: Api, runs: tuple[int, int]
) -> None:
    first, second = runs
    response = api.get("auditor", f"{RUNS}/{first}/compare/{second}")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["format"] == "kuznia-plan-comparison/1"
    assert (body["first"], body["second"]) == (f"plan {first}", f"plan {second}")
    # the state paid 13.55 M in 2026 (l1's rounds and expansion e1); with 100,000 left, e1 is
    # not built and l1 delivers 32 rounds instead of 500 in month 0: tier 1 is short longer,
    # foreign supply still covers everything by the end
    assert body["spend"] == [
        {
            "fund": "state",
            "year": 2026,
            "first": 13550000.0,
            "second": 100000.0,
            "change": -13450000.0,
        }
    ]
    assert body["verdict"] == (
        "Coverage is the same, tier 1 shortfall rises by 1,403 weighted unit-months: state "
        "spends less in 2026 (-13,450,000); less money goes to artillery_ammunition (-1,450,000); "
        "the budget of state for 2026 is cut (-1,249,900,000)."
    )
    (takeover,) = body["takeovers"]
    assert (takeover["item"], takeover["month"], takeover["gaining"]) == ("art-155", 0, [])
    assert [(s["producer"], s["first"]) for s in takeover["losing"]] == [("p1", 500.0)]
    # the snapshots' capacity is the same: nothing struck; their budgets differ in 2026 only
    assert body["capacity"] == []
    assert [(b["fund"], b["year"], b["second"]) for b in body["budgets"]] == [
        ("state", 2026, 100000.0)
    ]
    assert [c["key"] for c in body["coverage_by"]["category"]] == ["artillery_ammunition"]


def test_a_run_against_itself_changes_nothing(api: Api, runs: tuple[int, int]) -> None:
    first, _ = runs
    body = api.get("planner", f"{RUNS}/{first}/compare/{first}").json()
    assert body["takeovers"] == []
    assert all(t["change"] == 0 for t in body["tiers"])
    assert body["verdict"] == "Coverage is the same; no money or capacity moved."


def test_partners_may_not_compare_and_an_unfinished_run_is_a_conflict(
    api: Api, runs: tuple[int, int]
) -> None:
    first, _ = runs
    assert api.get("partner", f"{RUNS}/{first}/compare/{first}").status_code == 403
    queued = api.post("planner", RUNS, json={}).json()["id"]
    response = api.get("planner", f"{RUNS}/{first}/compare/{queued}")
    assert response.status_code == 409
    assert f"plan run {queued} has no plan to compare" in response.json()["detail"]
