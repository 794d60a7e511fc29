"""Plan runs: solved in a worker process, followed by polling, read by table, cancelled."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select, update

from kuznia import models
from kuznia.db import session_scope
from kuznia.plans.pool import WORKER_MODULE, WorkerPool
from kuznia.plans.worker import work
from kuznia.worker import work_all
from tests.api.conftest import Api, make_api

RUNS = "/api/v1/plan-runs"


@pytest.fixture
def api_with_workers(engine: Engine) -> Iterator[Api]:
    """The API on VARIED, starting real worker processes for queued runs."""
    yield from make_api(engine, workers=True)


def wait_for(api: Api, run_id: int, seconds: float = 90) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = api.get("planner", f"{RUNS}/{run_id}").json()
        if run["status"] not in ("queued", "running"):
            return run  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"plan run {run_id} did not finish in {seconds} s: {run}")


class TestSolve:
    def test_a_run_is_solved_by_a_worker_and_its_results_read_by_table(
        self, api_with_workers: Api
    ) -> None:
        api = api_with_workers
        before = api.get("planner", "/api/v1/instance").json()

        started = api.post("planner", RUNS, json={"mode": "lp"})
        run = wait_for(api, started.json()["id"])

        assert started.status_code == 202
        assert started.json()["status"] == "queued"
        assert run["status"] == "finished"
        assert run["solve_status"] == "optimal"
        assert run["progress"] == 1.0
        assert [tier["priority"] for tier in run["tiers"]] == [1, 3]
        deliveries = api.get("planner", f"{RUNS}/{run['id']}/deliveries").json()
        assert deliveries["total"] > 0
        assert {row["line"] for row in deliveries["items"]} <= {"l1", "l2", "l3", "l4"}
        payments = api.get("planner", f"{RUNS}/{run['id']}/payments", params={"fund": "dk"})
        assert all(row["fund"] == "dk" for row in payments.json()["items"])
        # a solve never changes its inputs, and keeps the snapshot it solved
        assert api.get("planner", "/api/v1/instance").json() == before
        assert api.get("planner", f"{RUNS}/{run['id']}/instance").json() == before

        workbook = api.get("planner", f"{RUNS}/{run['id']}/workbook")
        sheets = load_workbook(BytesIO(workbook.content)).sheetnames
        assert sheets == [
            "Read me",
            "Summary",
            "Shortfalls",
            "Deliveries",
            "Payments",
            "Expansions",
            "Allocations",
        ]

    def test_bad_options_are_refused_before_anything_is_queued(self, api: Api) -> None:
        response = api.post("planner", RUNS, json={"mode": "quantum", "time_limit": -1})

        assert response.status_code == 422
        assert {p["field"] for p in response.json()["problems"]} == {"mode", "time_limit"}
        assert api.get("planner", RUNS).json()["total"] == 0


class TestCancel:
    def test_a_queued_run_is_cancelled_once(self, api: Api) -> None:
        run = api.post("planner", RUNS, json={}).json()

        cancelled = api.post("planner", f"{RUNS}/{run['id']}/cancel")
        again = api.post("planner", f"{RUNS}/{run['id']}/cancel")

        assert cancelled.json()["status"] == "cancelled"
        assert again.status_code == 409

    def test_cancelling_a_running_run_stops_its_worker(self, api: Api, engine: Engine) -> None:
        run = api.post("planner", RUNS, json={}).json()
        # A stand-in worker that would run for a minute.
        worker = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(60)", WORKER_MODULE]
        )
        try:
            with session_scope(engine) as session:
                row = session.get(models.PlanRun, run["id"])
                assert row is not None
                row.status, row.worker_pid = models.PlanRunStatus.running, worker.pid

            api.post("planner", f"{RUNS}/{run['id']}/cancel")

            assert worker.wait(timeout=10) != 0
        finally:
            worker.kill()
        assert api.get("planner", f"{RUNS}/{run['id']}").json()["status"] == "cancelled"


def test_a_run_whose_worker_died_is_marked_failed(api: Api, engine: Engine) -> None:
    run = api.post("planner", RUNS, json={}).json()
    with session_scope(engine) as session:
        row = session.get(models.PlanRun, run["id"])
        assert row is not None
        row.status, row.worker_pid = models.PlanRunStatus.running, 2**22 + 12345

    WorkerPool(engine=engine, limit=0).tend()

    with session_scope(engine) as session:
        status, message = session.execute(
            select(models.PlanRun.status, models.PlanRun.message).where(
                models.PlanRun.id == run["id"]
            )
        ).one()
    assert status is models.PlanRunStatus.failed
    assert message == "the worker stopped before the run finished"


def test_a_capacity_of_1e308_is_refused_naming_the_field(api: Api) -> None:
    line = api.find("planner", "/api/v1/lines", code="l1")

    response = api.patch(
        "planner",
        f"/api/v1/lines/{line['id']}",
        json={"version": line["version"], "capacity": 1e308},
    )

    assert response.status_code == 422, response.text
    assert response.json()["problems"] == [
        {
            "field": "capacity",
            "message": "capacity 1e+308 is more than the largest allowed, 1e9 units per month",
        }
    ]


def test_a_failed_run_shows_only_a_generic_message_and_its_reference(
    api: Api, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    run = api.post("planner", RUNS, json={}).json()
    # A snapshot written past the checks (raw SQL): the worker's solve genuinely fails.
    with engine.begin() as connection:
        connection.execute(
            update(models.PlanRun)
            .where(models.PlanRun.id == run["id"])
            .values(instance='{"format": "kuznia-instance/1", "months": 1e308}')
        )

    with caplog.at_level(logging.ERROR, logger="kuznia.worker"):
        work(engine=engine)

    for user in ("planner", "partner"):
        shown = api.get(user, f"{RUNS}/{run['id']}").json()
        assert shown["status"] == "failed"
        assert re.fullmatch(r"The solve failed; reference [0-9a-f]{12}", shown["message"])
        reference = shown["message"].rsplit(" ", 1)[1]
    (logged,) = caplog.records
    assert logged.getMessage() == f"plan run {run['id']} failed (reference {reference})"
    assert logged.exc_info is not None
    assert "months" in str(logged.exc_info[1])


class TestShortfalls:
    @pytest.fixture
    def run_id(self, api: Api, engine: Engine) -> int:
        """VARIED with two more needs it cannot meet in month 0, planned by the worker."""
        for item, grouping, quantity, operation, priority in (
            ("fpv", "g-south", 5000, "defensive", 2),
            ("art-155", "g-south", 100, "stabilization", 3),
        ):
            body = {
                "item": item,
                "grouping": grouping,
                "month": 0,
                "quantity": quantity,
                "operation": operation,
                "priority": priority,
            }
            assert api.post("planner", "/api/v1/needs", json=body).status_code == 201
        run = api.post("planner", RUNS, json={}).json()
        work(engine=engine)
        return int(run["id"])

    def shown(self, api: Api, run_id: int, **params: object) -> list[tuple]:  # type: ignore[type-arg]
        response = api.get("planner", f"{RUNS}/{run_id}/shortfalls", params=params)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["total"] == len(body["items"]) or "limit" in params
        return [
            (r["number"], r["item"], r["grouping"], r["priority"], r["operation"])
            for r in body["items"]
        ]

    def test_every_shortfall_largest_first_with_its_number(self, api: Api, run_id: int) -> None:
        assert self.shown(api, run_id) == [
            (1, "fpv", "g-south", 2, "defensive"),
            (2, "art-155", "g-east", 1, "defensive"),
            (3, "art-155", "g-south", 3, "stabilization"),
        ]

    def test_filters_by_tier_category_item_grouping_and_operation(
        self, api: Api, run_id: int
    ) -> None:
        assert self.shown(api, run_id, tier=1) == [(2, "art-155", "g-east", 1, "defensive")]
        assert [r[0] for r in self.shown(api, run_id, category="artillery_ammunition")] == [2, 3]
        assert [r[0] for r in self.shown(api, run_id, item="fpv")] == [1]
        assert [r[0] for r in self.shown(api, run_id, grouping="g-south")] == [1, 3]
        assert [r[0] for r in self.shown(api, run_id, operation="stabilization")] == [3]
        assert self.shown(api, run_id, tier=1, grouping="g-south") == []
        # the number stays the place in the whole list, filtered or not
        assert self.shown(api, run_id, item="art-155", limit=1, offset=1) == [
            (3, "art-155", "g-south", 3, "stabilization")
        ]

    def test_an_unknown_operation_or_tier_is_refused_by_name(self, api: Api, run_id: int) -> None:
        response = api.get("planner", f"{RUNS}/{run_id}/shortfalls", params={"operation": "x"})
        zero = api.get("planner", f"{RUNS}/{run_id}/shortfalls", params={"tier": 0})

        assert response.status_code == 422
        assert [p["field"] for p in response.json()["problems"]] == ["query.operation"]
        assert [p["field"] for p in zero.json()["problems"]] == ["query.tier"]

    def test_a_partner_reads_no_shortfalls(self, api: Api, run_id: int) -> None:
        assert api.get("partner", f"{RUNS}/{run_id}/shortfalls").status_code == 403

    def test_what_closes_a_shortfall_is_found_by_re_solving_in_a_job(
        self, api: Api, run_id: int, engine: Engine
    ) -> None:
        asked = api.post("planner", f"{RUNS}/{run_id}/shortfalls/1/close")
        missing = api.post("planner", f"{RUNS}/{run_id}/shortfalls/9/close")
        work_all(engine=engine)
        job = api.get("planner", f"/api/v1/jobs/{asked.json()['id']}").json()

        assert asked.status_code == 202
        assert (asked.json()["kind"], asked.json()["status"]) == ("close", "queued")
        assert (job["status"], job["progress"], job["plan_run_id"]) == ("finished", 1.0, run_id)
        body = job["result"]
        assert (body["item"], body["grouping"], body["status"]) == ("fpv", "g-south", "optimal")
        # 5,000 due in month 0: l2 makes 2,000 and 7 are in stock, l3 starts in month 1, so
        # money alone cannot close it; 2,993 more units a month on l2 in month 0 do (l3 cannot
        # deliver before month 1)
        assert (body["closes"], body["by"]) == (True, "money_and_capacity")
        assert body["capacity"] == [{"line": "l2", "months": [0], "units_per_month": 2993.0}]
        assert body["money"] == []
        assert missing.status_code == 404
