"""`/api/v1/targets`: planners set, change and remove targets (versioned, audited), auditors
read them, and the report answers as of a day, also as a workbook."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from tests.api.conftest import Api, api, cheap_password_hashes

__all__ = ["api", "cheap_password_hashes"]

TARGETS = "/api/v1/targets"
X20 = {
    "category": "artillery_ammunition",
    "period": "2026-12",
    "multiple": 20,
    "base_month": "2026-01",
    "note": "x20 by December",
}


def test_a_planner_sets_a_target_an_auditor_reads_it(api: Api) -> None:
    created = api.post("planner", TARGETS, json=X20)

    assert created.status_code == 201, created.text
    target = created.json()
    assert {k: v for k, v in target.items() if k not in ("id", "created_at")} == {
        **X20, "item": None, "quantity": None, "version": 1,
    }  # fmt: skip
    read = api.get("auditor", f"{TARGETS}/{target['id']}")
    assert read.status_code == 200
    assert read.json() == target
    listed = api.get("auditor", TARGETS, params={"category": "artillery_ammunition"}).json()
    assert (listed["total"], [t["id"] for t in listed["items"]]) == (1, [target["id"]])
    assert api.get("auditor", TARGETS, params={"category": "drones"}).json()["total"] == 0


def test_a_change_on_a_stale_version_is_409_and_changes_nothing(api: Api) -> None:
    target = api.post("planner", TARGETS, json=X20).json()
    path = f"{TARGETS}/{target['id']}"

    changed = api.patch("planner", path, json={"version": 1, "quantity": 5000})
    stale = api.patch("planner", path, json={"version": 1, "multiple": 30})

    assert changed.status_code == 200, changed.text
    assert (changed.json()["quantity"], changed.json()["multiple"]) == (5000, None)
    assert changed.json()["base_month"] == "2026-01"
    assert stale.status_code == 409
    assert stale.json() == {
        "error": "StaleVersion",
        "code": "stale_version",
        "detail": f"target {target['id']} is at version 2, the update was made on version 1: "
        "read it again and reapply the change",
        "problems": [],
    }
    assert api.get("planner", path).json()["quantity"] == 5000


def test_bad_fields_are_named_with_their_values(api: Api) -> None:
    response = api.post(
        "planner", TARGETS, json={"category": "tanks", "period": "2026-Q5", "quantity": 10}
    )

    assert response.status_code == 422
    assert response.json()["error"] == "InvalidInput"
    assert response.json()["problems"] == [
        {
            "field": "category",
            "message": 'unknown category "tanks"; the registry\'s items have: '
            "artillery_ammunition, drones",
        },
        {
            "field": "period",
            "message": 'a period is a month (YYYY-MM) or a quarter (YYYY-Qn) of 1900-2199, got "2026-Q5"',
        },
    ]


def test_a_negative_quantity_is_refused_before_the_service(api: Api) -> None:
    response = api.post(
        "planner", TARGETS, json={"category": "drones", "period": "2026-12", "quantity": -1}
    )

    assert response.status_code == 422
    assert [p["field"] for p in response.json()["problems"]] == ["quantity"]


def test_a_removed_target_is_gone_and_every_write_is_in_the_audit_chain(api: Api) -> None:
    target = api.post("planner", TARGETS, json=X20).json()
    path = f"{TARGETS}/{target['id']}"
    api.patch("planner", path, json={"version": 1, "note": "revised"})

    removed = api.delete("planner", path)

    assert removed.status_code == 204
    assert api.get("planner", path).status_code == 404
    events = api.get(
        "auditor", "/api/v1/audit/events", params={"entity": "targets", "limit": 100}
    ).json()["items"]
    assert [
        (e["action"], e["entity_id"], (e["after"] or e["before"])["note"])
        for e in sorted(events, key=lambda e: e["seq"])
    ] == [
        ("create", str(target["id"]), "x20 by December"),
        ("update", str(target["id"]), "revised"),
        ("delete", str(target["id"]), "revised"),
    ]


def test_others_may_not_read_targets(api: Api) -> None:
    for user in ("producer", "partner", "logistics", "admin"):
        response = api.get(user, TARGETS)
        assert (response.status_code, response.json()["error"]) == (403, "Forbidden"), user


def test_the_report_and_its_workbook(api: Api) -> None:
    api.post("planner", TARGETS, json={"category": "drones", "period": "2026-Q4", "quantity": 90})

    report = api.get("auditor", f"{TARGETS}/report", params={"as_of": "2026-12-07"})
    workbook = api.get("auditor", f"{TARGETS}/report/workbook", params={"as_of": "2026-12-07"})

    assert report.status_code == 200, report.text
    (progress,) = report.json()["targets"]
    # no contracts, no receipts: 30 a month targeted, none planned
    assert [(m["month"], m["target"], m["plan"], m["actual"]) for m in progress["months"]] == [
        ("2026-10", 30, 0, 0),
        ("2026-11", 30, 0, 0),
        ("2026-12", 30, 0, 0),
    ]
    assert progress["reasons"] == [
        {"kind": "plan_short_of_target", "expected": 90, "got": 0, "short": 90}
    ]
    assert report.json()["off_track"] == 1
    assert workbook.status_code == 200
    book = load_workbook(BytesIO(workbook.content))
    assert book.sheetnames == ["Read me", "Targets", "Months"]
    assert book["Targets"]["O2"].value == (
        "off track: plan short of target: 0 planned of 90 (short 90)"
    )
