"""Jobs: analyses queued for the worker pool, followed by polling, cancelled by their status.

Each test queues a job as a planner would (what would close a shortfall of a solved run, a
money curve) or of a kind registered here, and runs it as a worker does: in-process with
`kuznia.worker.work_all`, or in the real worker processes the web process starts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, update

from kuznia import models
from kuznia.db import session_scope
from kuznia.jobs.registry import JobContext, handles
from kuznia.jobs.runner import claim_job, run_job, this_host
from kuznia.plans.pool import WorkerPool
from kuznia.plans.worker import work
from kuznia.worker import work_all
from tests.api.conftest import Api, make_api

RUNS = "/api/v1/plan-runs"
JOBS = "/api/v1/jobs"


@handles("test_boom")
def _boom(context: JobContext) -> dict[str, Any]:
    context.progress(0.5, "half way")
    raise RuntimeError("secret SQL: SELECT * FROM users")


@handles("test_cancelled_midway")
def _cancelled_midway(context: JobContext) -> dict[str, Any]:
    with session_scope(context.engine) as session:
        session.execute(
            update(models.Job)
            .where(models.Job.id == context.job_id)
            .values(status=models.PlanRunStatus.cancelled)
        )
    context.progress(0.5, "never recorded: the job was cancelled")
    return {"never": "stored"}


@pytest.fixture
def run_id(api: Api, engine: Engine) -> int:
    """VARIED with a need it cannot meet in month 0 (5,000 FPV), solved in-process."""
    body = {
        "item": "fpv",
        "grouping": "g-south",
        "month": 0,
        "quantity": 5000,
        "operation": "defensive",
        "priority": 2,
    }
    assert api.post("planner", "/api/v1/needs", json=body).status_code == 201
    run = api.post("planner", RUNS, json={}).json()
    work(engine=engine)
    return int(run["id"])


def queue(engine: Engine, kind: str, **params: Any) -> int:
    """A job of `kind` queued directly, as a service would."""
    with session_scope(engine) as session:
        job = models.Job(kind=kind, params=params, status=models.PlanRunStatus.queued)
        session.add(job)
        session.flush()
        return job.id


def job_of(api: Api, job_id: int, role: str = "planner") -> dict[str, Any]:
    response = api.get(role, f"{JOBS}/{job_id}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_close_job_is_queued_run_and_read_by_planners_and_auditors(
    api: Api, engine: Engine, run_id: int
) -> None:
    asked = api.post("planner", f"{RUNS}/{run_id}/shortfalls/1/close")

    assert asked.status_code == 202
    assert job_of(api, asked.json()["id"])["status"] == "queued"
    assert work_all(engine=engine) == 1
    job = job_of(api, asked.json()["id"], role="auditor")
    assert (job["kind"], job["status"], job["progress"]) == ("close", "finished", 1.0)
    assert (job["result"]["item"], job["result"]["closes"]) == ("fpv", True)
    listed = api.get("auditor", JOBS, params={"kind": "close"}).json()
    assert [item["id"] for item in listed["items"]] == [job["id"]]
    assert api.get("planner", JOBS, params={"kind": "curve"}).json()["total"] == 0


def test_a_shortfall_that_is_not_there_is_refused_before_anything_is_queued(
    api: Api, run_id: int
) -> None:
    response = api.post("planner", f"{RUNS}/{run_id}/shortfalls/99/close")

    assert response.status_code == 404
    assert api.get("planner", JOBS).json()["total"] == 0


def test_a_money_curve_job_reports_each_step_and_its_answer(
    api: Api, engine: Engine, run_id: int
) -> None:
    body = {"fund": "state", "year": 2026, "maximum": 1000, "steps": 2}
    bad = api.post("planner", f"{RUNS}/{run_id}/money-curve", json=body | {"year": 2031})
    asked = api.post("planner", f"{RUNS}/{run_id}/money-curve", json=body)

    work_all(engine=engine)

    assert bad.status_code == 422
    assert bad.json()["problems"][0]["field"] == "year"
    job = job_of(api, asked.json()["id"])
    assert (job["kind"], job["status"]) == ("curve", "finished")
    assert sorted({row["step"] for row in job["result"]["rows"]}) == [0, 1, 2]


def test_a_queued_job_is_cancelled_once_and_never_run(api: Api, engine: Engine) -> None:
    job_id = queue(engine, "test_boom")

    cancelled = api.post("planner", f"{JOBS}/{job_id}/cancel")
    again = api.post("planner", f"{JOBS}/{job_id}/cancel")

    assert cancelled.json()["status"] == "cancelled"
    assert again.status_code == 409
    assert not claim_job(engine=engine, job_id=job_id)
    assert work_all(engine=engine) == 0


def test_a_job_cancelled_while_it_runs_stops_at_its_next_progress_report(
    api: Api, engine: Engine
) -> None:
    job_id = queue(engine, "test_cancelled_midway")

    assert claim_job(engine=engine, job_id=job_id)
    run_job(engine=engine, job_id=job_id)

    job = job_of(api, job_id)
    assert (job["status"], job["result"]) == ("cancelled", None)


def test_a_failed_job_says_only_a_reference_to_the_log(
    api: Api, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    job_id = queue(engine, "test_boom")

    work_all(engine=engine)

    job = job_of(api, job_id)
    reference = job["message"].rsplit(" ", 1)[-1]
    assert job["status"] == "failed"
    assert job["message"] == f"The analysis failed; reference {reference}"
    assert "SELECT" not in str(job)
    assert reference in caplog.text


def test_a_job_whose_worker_here_died_is_marked_failed(api: Api, engine: Engine) -> None:
    job_id = queue(engine, "test_boom")
    with session_scope(engine) as session:
        row = session.get(models.Job, job_id)
        assert row is not None
        row.status, row.worker_pid = models.PlanRunStatus.running, 2**22 + 12345
        row.worker_host = this_host()

    WorkerPool(engine=engine, limit=0).tend()

    job = job_of(api, job_id)
    assert (job["status"], job["message"]) == (
        "failed",
        "the worker stopped before the job finished",
    )


def test_a_job_on_another_machine_is_left_to_its_worker(api: Api, engine: Engine) -> None:
    job_id = queue(engine, "test_boom")
    with session_scope(engine) as session:
        row = session.get(models.Job, job_id)
        assert row is not None
        row.status, row.worker_pid = models.PlanRunStatus.running, 2**22 + 12345
        row.worker_host = "another-machine"

    WorkerPool(engine=engine, limit=0).tend()

    assert job_of(api, job_id)["status"] == "running"


@pytest.fixture
def api_with_workers(engine: Engine) -> Iterator[Api]:
    """The API on VARIED, starting real worker processes for what is queued."""
    yield from make_api(engine, workers=True)


def test_a_worker_process_runs_a_job_queued_through_the_api(api_with_workers: Api) -> None:
    api = api_with_workers
    body = {
        "item": "fpv",
        "grouping": "g-south",
        "month": 0,
        "quantity": 5000,
        "operation": "defensive",
        "priority": 2,
    }
    assert api.post("planner", "/api/v1/needs", json=body).status_code == 201
    run = api.post("planner", RUNS, json={}).json()
    deadline = time.monotonic() + 120
    while api.get("planner", f"{RUNS}/{run['id']}").json()["status"] != "finished":
        assert time.monotonic() < deadline, "the plan run did not finish"
        time.sleep(0.2)

    asked = api.post("planner", f"{RUNS}/{run['id']}/shortfalls/1/close").json()
    while (job := job_of(api, asked["id"]))["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"the job did not finish: {job}"
        time.sleep(0.2)

    assert (job["status"], job["result"]["closes"]) == ("finished", True)
