"""`/api/v1/audit` anchored and redacted: the head to copy, verify with `?expect=`, and
before/after withheld from readers of the chain who may not read that entity (an
administrator reads users and organisations, not depots or contracts). The world is
tests/logistics/conftest.py's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.logistics.conftest import World, api, cheap_password_hashes, world

__all__ = ["api", "cheap_password_hashes", "world"]
API = "/api/v1"


def event_of(world: World, user: str, **filters: Any) -> dict[str, Any]:
    response = world.api.get(user, f"{API}/audit/events", params=filters | {"limit": 1})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["items"][0]
    return found


def test_the_head_to_copy_and_verify_against_it_after_the_tail_was_cut(world: World) -> None:
    head = world.api.get("auditor", f"{API}/audit/head").json()
    newest = event_of(world, "auditor")
    keep = head["seq"] - 2
    with world.engine.begin() as connection:
        kept = connection.execute(
            text(f"SELECT hash FROM audit_events WHERE seq = {keep}")
        ).scalar_one()
        connection.execute(text(f"DELETE FROM audit_events WHERE seq > {keep}"))
        connection.execute(text(f"UPDATE audit_head SET seq = {keep}, hash = '{kept}'"))

    alone = world.api.get("auditor", f"{API}/audit/verify").json()
    anchored = world.api.get(
        "auditor", f"{API}/audit/verify", params={"expect": head["anchor"]}
    ).json()

    assert (head["seq"], head["hash"], head["at"]) == (newest["seq"], newest["hash"], newest["at"])
    assert head["anchor"] == f"{head['seq']}:{head['hash']}"
    assert alone["intact"] is True
    assert anchored["intact"] is False
    assert anchored["expected"] == head["anchor"]
    assert anchored["first_break"] == {
        "seq": keep + 1,
        "event_id": None,
        "problem": f"the chain ends at event {keep} but event {head['seq']} was anchored: "
        f"events {keep + 1} to {head['seq']} were cut off its end (and the head moved back)",
    }


def test_an_expected_head_that_is_not_seq_hash_is_422_naming_expect(world: World) -> None:
    response = world.api.get("auditor", f"{API}/audit/verify", params={"expect": "7"})

    assert response.status_code == 422
    assert response.json()["problems"] == [
        {
            "field": "expect",
            "message": "expected SEQ:HASH (an event number, a colon and 64 hex digits), got '7'",
        }
    ]


def test_an_administrator_reads_depot_and_contract_events_redacted(world: World) -> None:
    depot_for_admin = event_of(world, "admin", entity="depots", action="create")
    depot_for_auditor = event_of(world, "auditor", entity="depots", action="create")
    version_for_admin = event_of(world, "admin", entity="contract_versions", action="create")
    user_for_admin = event_of(world, "admin", entity="users", action="create")

    assert depot_for_auditor["after"]["location"] == "50.45, 30.52"
    assert depot_for_admin["after"]["location"] == "[redacted]"
    assert set(depot_for_admin["after"].values()) == {"[redacted]"}
    assert depot_for_admin["hash"] == depot_for_auditor["hash"]
    assert depot_for_admin["before"] is None
    assert version_for_admin["after"]["value"] == "[redacted]"
    assert user_for_admin["after"]["email"] == "south@depot.test"
    assert user_for_admin["after"]["password_hash"] == "[withheld]"


def test_no_page_of_events_shows_an_administrator_a_depot_location(world: World) -> None:
    response = world.api.get("auditor", f"{API}/audit/events", params={"entity": "depots"})
    assert "50.45, 30.52" in response.text

    for_admin = world.api.get("admin", f"{API}/audit/events", params={"entity": "depots"})

    assert for_admin.status_code == 200
    assert "50.45" not in for_admin.text
