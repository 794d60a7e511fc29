"""Plan runs and jobs on a Dask cluster: a scheduler and a worker started as separate
processes (`dask scheduler`, `dask worker`), as a deployment runs them on other machines; the
web process only submits tasks (kuznia.cluster)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from kuznia import models
from kuznia.db import session_scope
from tests.api.conftest import Api, make_api
from tests.api.test_jobs import SHORT_NEED

RUNS = "/api/v1/plan-runs"
DASK = shutil.which("dask") or str(Path(sys.executable).with_name("dask"))


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Dask scheduler and one worker, each its own process; the scheduler's address."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    # Our own interpreter's dask command, fixed arguments.
    started = [
        subprocess.Popen(
            [
                DASK,
                "scheduler",
                "--port",
                "0",
                "--dashboard-address",
                ":0",
                "--scheduler-file",
                str(file),
            ],
            env=env,
            **quiet,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not file.exists():
            assert time.monotonic() < deadline, "the Dask scheduler did not start"
            time.sleep(0.2)
        started.append(
            subprocess.Popen(
                [
                    DASK,
                    "worker",
                    "--scheduler-file",
                    str(file),
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--dashboard-address",
                    ":0",
                    "--local-directory",
                    str(folder),
                ],
                env=env,
                **quiet,
            )
        )
        yield str(json.loads(file.read_text())["address"])
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def api(engine: Engine, scheduler: str) -> Iterator[Api]:
    """The API on VARIED, with plan runs and jobs sent to the Dask cluster."""
    yield from make_api(engine, workers=True, dask_scheduler=scheduler)


def wait_until_over(api: Api, path: str, seconds: float = 120) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + seconds
    while (record := api.get("planner", path).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"{path} did not end in {seconds} s: {record}"
        time.sleep(0.3)
    return record  # type: ignore[no-any-return]


def test_a_run_and_a_job_are_done_on_the_cluster(api: Api, engine: Engine) -> None:
    assert api.post("planner", "/api/v1/needs", json=SHORT_NEED).status_code == 201

    run = wait_until_over(api, f"{RUNS}/{api.post('planner', RUNS, json={}).json()['id']}")
    asked = api.post("planner", f"{RUNS}/{run['id']}/shortfalls/1/close").json()
    job = wait_until_over(api, f"/api/v1/jobs/{asked['id']}")

    assert (run["status"], run["solve_status"]) == ("finished", "optimal")
    assert (job["status"], job["result"]["closes"]) == ("finished", True)
    with session_scope(engine) as session:
        where = session.get(models.PlanRun, run["id"])
        assert where is not None
        assert (where.worker_host or "").startswith("dask:tcp://")


def test_a_job_cancelled_on_the_cluster_stops_at_its_next_step(api: Api) -> None:
    run = wait_until_over(api, f"{RUNS}/{api.post('planner', RUNS, json={}).json()['id']}")
    body = {"fund": "state", "year": 2026, "maximum": 1000, "steps": 20}
    asked = api.post("planner", f"{RUNS}/{run['id']}/money-curve", json=body).json()
    deadline = time.monotonic() + 120
    while api.get("planner", f"/api/v1/jobs/{asked['id']}").json()["status"] == "queued":
        assert time.monotonic() < deadline, "the job did not start"
        time.sleep(0.1)

    cancelled = api.post("planner", f"/api/v1/jobs/{asked['id']}/cancel")
    time.sleep(3)
    after = api.get("planner", f"/api/v1/jobs/{asked['id']}").json()
    # the cluster's worker was not killed: it goes on to the next job
    body["steps"] = 1
    next_one = api.post("planner", f"{RUNS}/{run['id']}/money-curve", json=body).json()

    assert cancelled.status_code == 200
    assert (after["status"], after["result"]) == ("cancelled", None)
    assert wait_until_over(api, f"/api/v1/jobs/{next_one['id']}")["status"] == "finished"


def test_the_work_of_a_vanished_dask_worker_is_marked_failed(api: Api, engine: Engine) -> None:
    # a run the cluster has done, then shown as held by a worker that is gone (marked before
    # the cluster's own worker had finished it, that worker's answer could win the race)
    run = wait_until_over(api, f"{RUNS}/{api.post('planner', RUNS, json={}).json()['id']}")
    with session_scope(engine) as session:
        session.execute(
            update(models.PlanRun)
            .where(models.PlanRun.id == run["id"])
            .values(
                status=models.PlanRunStatus.running,
                worker_pid=1,
                worker_host="dask:tcp://10.255.255.1:1",
            )
        )

    failed = wait_until_over(api, f"{RUNS}/{run['id']}", seconds=30)

    assert (failed["status"], failed["message"]) == (
        "failed",
        "the worker stopped before the run finished",
    )
