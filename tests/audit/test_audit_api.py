"""`/api/v1/audit`: auditors read the chain's events and verify it through the API; every
API write shows up as an event with the user who made it."""

from __future__ import annotations

from sqlalchemy import Engine, text

from tests.api.conftest import USERS, Api


def test_an_api_write_is_an_event_with_its_user_and_the_record_before_and_after(api: Api) -> None:
    item = api.find("planner", "/api/v1/items", code="art-155")
    api.patch("planner", f"/api/v1/items/{item['id']}", json={"version": 1, "name": "Shells"})

    response = api.get(
        "auditor", "/api/v1/audit/events", params={"entity": "items", "action": "update"}
    )

    assert response.status_code == 200, response.text
    (event,) = response.json()["items"]
    assert event["actor"] == USERS["planner"][0]
    assert (event["entity_id"], event["before"]["name"], event["after"]["name"]) == (
        str(item["id"]),
        item["name"],
        "Shells",
    )


def test_verify_says_intact_then_names_an_edited_event(api: Api, engine: Engine) -> None:
    intact = api.get("auditor", "/api/v1/audit/verify").json()
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor = 'nobody' WHERE seq = 2"))

    broken = api.get("auditor", "/api/v1/audit/verify").json()

    newest = api.get("auditor", "/api/v1/audit/events", params={"limit": 1}).json()["items"][0]
    assert (intact["intact"], intact["first_break"]) == (True, None)
    assert intact["events"] == intact["head_seq"] == newest["seq"] > 2
    assert intact["head_hash"] == newest["hash"]
    assert broken["intact"] is False
    assert broken["first_break"]["seq"] == 2
    assert broken["events"] == 1


def test_a_planner_may_not_read_the_chain(api: Api) -> None:
    response = api.get("planner", "/api/v1/audit/events")

    assert response.status_code == 403
    assert response.json()["detail"] == "role planner may not read audit"
