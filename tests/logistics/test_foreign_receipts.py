"""Foreign supply recorded on arrival at a depot: no contract, the supplier's country; it adds
to the depot's stock (and so to the re-plan's stock), retries are safe, and the report sets
the registry's expected foreign supply (VARIED: art-155 5000 in month 1 = 2026-12, fpv 12.5
in month 2 = 2027-01; start 2026-11) against what arrived per item and country."""

from __future__ import annotations

from typing import Any

from kuznia.db import session_scope
from kuznia.replan.actuals import read_actuals
from tests.logistics.conftest import World

API = "/api/v1"


def arrival(key: str, *, country: str = "PL", item: str = "art-155", quantity: float = 300,
            day: str = "2026-11-03", depot: str = "d-north") -> dict[str, Any]:  # fmt: skip
    return {"client_key": key, "depot": depot, "country": country, "item": item, "day": day,
            "quantity": quantity, "note": ""}  # fmt: skip


def test_an_arrival_adds_to_the_depots_stock_and_the_replans(world: World) -> None:
    first = world.api.post("logistics", f"{API}/foreign-receipts", json=arrival("f-1"))
    world.api.post(
        "logistics", f"{API}/foreign-receipts", json=arrival("f-2", country="DK", quantity=200)
    )

    assert first.status_code == 201, first.text
    assert first.json()["country"] == "PL"
    assert first.json()["depot"] == "d-north"
    stock = world.api.get("logistics", f"{API}/depots/{world.north}/stock").json()["items"]
    assert [(row["item"], row["quantity"]) for row in stock] == [("art-155", 500)]
    with session_scope(world.engine) as session:
        # the registry's stock (fpv 7) is the opening balance; the arrivals add 500 art-155
        assert read_actuals(session=session, start="2027-01").stock == {"art-155": 500, "fpv": 7}


def test_a_retry_gives_the_stored_record_and_adds_nothing(world: World) -> None:
    world.api.post("logistics", f"{API}/foreign-receipts", json=arrival("f-1"))

    again = world.api.post("logistics", f"{API}/foreign-receipts", json=arrival("f-1"))
    changed = world.api.post(
        "logistics", f"{API}/foreign-receipts", json=arrival("f-1", quantity=1)
    )

    assert again.status_code == 200
    assert changed.status_code == 422
    assert (
        changed.json()["problems"]
        == [{"field": "client_key", "message": '"f-1" is used by foreign receipt 1'}]
        or changed.json()["problems"][0]["field"] == "client_key"
    )
    stock = world.api.get("logistics", f"{API}/depots/{world.north}/stock").json()["items"]
    assert [(row["item"], row["quantity"]) for row in stock] == [("art-155", 300)]


def test_another_organisations_depot_and_an_unknown_item_are_refused(world: World) -> None:
    south = world.api.post(
        "logistics", f"{API}/foreign-receipts", json=arrival("f-9", depot="d-south")
    )
    unknown = world.api.post(
        "logistics", f"{API}/foreign-receipts", json=arrival("f-8", item="nope")
    )
    country = world.api.post(
        "logistics", f"{API}/foreign-receipts", json=arrival("f-7", country="pl")
    )

    assert south.status_code == 404
    assert south.json()["detail"] == 'depot "d-south" not found'
    assert unknown.status_code == 422
    assert unknown.json()["problems"] == [{"field": "item", "message": 'unknown item "nope"'}]
    assert country.status_code == 422


def test_the_report_sets_expected_against_arrived_per_country(world: World) -> None:
    for key, country, item, quantity, day in [
        ("f-1", "PL", "art-155", 3000, "2026-11-03"),
        ("f-2", "DK", "art-155", 1500, "2026-11-20"),
        ("f-3", "PL", "fpv", 4, "2026-11-25"),
    ]:
        body = arrival(key, country=country, item=item, quantity=quantity, day=day)
        assert world.api.post("logistics", f"{API}/foreign-receipts", json=body).status_code == 201

    def report(as_of: str) -> list[dict[str, Any]]:
        response = world.api.get(
            "planner", f"{API}/reports/foreign-supply", params={"as_of": as_of}
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    assert report("2026-11-10") == [
        {"item": "art-155", "expected": 0, "actual": 3000, "difference": 3000,
         "by_country": [{"country": "PL", "quantity": 3000}], "expected_by_country": []},
    ]  # fmt: skip
    assert report("2026-12-31")[0] == {
        "item": "art-155", "expected": 5000, "actual": 4500, "difference": -500,
        "by_country": [{"country": "DK", "quantity": 1500}, {"country": "PL", "quantity": 3000}],
        "expected_by_country": [],
    }  # fmt: skip
    assert [(r["item"], r["expected"], r["actual"]) for r in report("2027-01-31")] == [
        ("art-155", 5000, 4500),
        ("fpv", 12.5, 4),
    ]
    listed = world.api.get("planner", f"{API}/foreign-receipts", params={"country": "PL"}).json()
    assert [r["client_key"] for r in listed["items"]] == ["f-1", "f-3"]
    assert world.api.get("producer", f"{API}/foreign-receipts").status_code == 403
