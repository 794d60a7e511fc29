"""Sweep jobs spread over Dask workers (kuznia.workbench.spread): on a LocalCluster started for
the job, on the workers of a configured scheduler, and from a job that itself runs on the
cluster; the answer is the serial one, progress is reported and a cancel stops the scenarios.
The scheduler and its worker are real processes (tests/api/test_cluster.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from kuznia import models
from kuznia.db import session_scope
from kuznia.instance import parse_instance
from kuznia.resilience import SweepSettings
from kuznia.workbench import analysis
from kuznia.worker import work_all
from tests.api.conftest import Api, make_api
from tests.api.test_cluster import scheduler, wait_until_over

__all__ = ["scheduler"]  # the module's Dask scheduler and worker, shared with test_cluster

RUNS = "/api/v1/plan-runs"
JOBS = "/api/v1/jobs"
SWEEP = {"scenarios": 4, "seed": 5, "strike_probability": 0.3}


def planned(api: Api, engine: Engine) -> int:
    """A finished plan run of the VARIED registry, planned in-process."""
    run = api.post("planner", RUNS, json={}).json()
    work_all(engine=engine)
    return int(run["id"])


def serial_answer(engine: Engine, run_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """The sweep of the run's snapshot planned one scenario after the other, in this process."""
    with session_scope(engine) as session:
        run = session.get(models.PlanRun, run_id)
        assert run is not None
        instance = parse_instance(run.instance)
    settings = SweepSettings(strike_probability=body["strike_probability"])
    return analysis.run_sweep(
        instance,
        scenarios=body["scenarios"],
        seed=body["seed"],
        settings=settings,
        on_progress=lambda _share, _message: None,
    ).model_dump(mode="json")


def planned_on(scheduler: str) -> int:
    """How many sweep scenarios the scheduler has seen finished (`sweep_scenario` tasks that
    reached memory, counted since it started)."""
    from dask.distributed import Client

    with Client(scheduler, timeout=30) as client:
        return int(
            client.run_on_scheduler(
                lambda dask_scheduler: sum(
                    prefix.state_counts["memory"]
                    for name, prefix in dask_scheduler.task_prefixes.items()
                    if name == "sweep_scenario"
                )
            )
        )


def same_sweep(result: dict[str, Any], serial: dict[str, Any]) -> None:
    for key in ("tiers", "coverage", "coverage_by_month", "producers", "failed", "evaluated"):
        assert result[key] == serial[key], key


def test_a_sweep_job_spread_over_a_local_cluster_gives_the_serial_answer(
    api: Api, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = planned(api, engine)
    monkeypatch.setenv("KUZNIA_SWEEP_WORKERS", "2")
    job = api.post("planner", "/api/v1/sweeps", json={"plan_run_id": run_id, **SWEEP}).json()
    work_all(engine=engine)
    answer = api.get("planner", f"{JOBS}/{job['id']}").json()

    assert (answer["status"], answer["progress"]) == ("finished", 1.0)
    assert answer["result"]["workers"] == 2
    same_sweep(answer["result"], serial_answer(engine, run_id, SWEEP))


def test_a_sweep_job_uses_the_configured_schedulers_workers(
    api: Api, engine: Engine, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = planned(api, engine)
    monkeypatch.setenv("KUZNIA_DASK_SCHEDULER", scheduler)
    before = planned_on(scheduler)
    job = api.post("planner", "/api/v1/sweeps", json={"plan_run_id": run_id, **SWEEP}).json()
    work_all(engine=engine)
    answer = api.get("planner", f"{JOBS}/{job['id']}").json()

    assert answer["status"] == "finished"
    assert planned_on(scheduler) - before == SWEEP["scenarios"]
    assert answer["result"]["workers"] == 1  # the scheduler's one `dask worker`
    same_sweep(answer["result"], serial_answer(engine, run_id, SWEEP))


@pytest.fixture
def cluster_api(engine: Engine, scheduler: str) -> Iterator[Api]:
    """The API with plan runs and jobs sent to the Dask cluster."""
    yield from make_api(engine, workers=True, dask_scheduler=scheduler)


def test_a_sweep_job_on_the_cluster_spreads_from_its_own_task_and_is_cancelled_midway(
    cluster_api: Api, engine: Engine, scheduler: str
) -> None:
    api = cluster_api
    run = wait_until_over(api, f"{RUNS}/{api.post('planner', RUNS, json={}).json()['id']}")
    small = {"plan_run_id": run["id"], **SWEEP}
    before = planned_on(scheduler)
    done = wait_until_over(
        api, f"{JOBS}/{api.post('planner', '/api/v1/sweeps', json=small).json()['id']}"
    )
    long = api.post("planner", "/api/v1/sweeps", json={**small, "scenarios": 400}).json()
    deadline = time.monotonic() + 120
    while (seen := api.get("planner", f"{JOBS}/{long['id']}").json())["progress"] < 0.01 or (
        "of 400" not in (seen["message"] or "")
    ):
        assert seen["status"] in ("queued", "running"), seen
        assert time.monotonic() < deadline, f"the sweep did not report progress: {seen}"
        time.sleep(0.2)

    cancelled = api.post("planner", f"{JOBS}/{long['id']}/cancel")
    time.sleep(3)
    after = api.get("planner", f"{JOBS}/{long['id']}").json()
    # the cluster's one worker thread is free again: the next sweep is planned
    again = api.post("planner", "/api/v1/sweeps", json=small).json()

    assert (done["status"], done["result"]["workers"]) == ("finished", 1)
    assert planned_on(scheduler) - before >= SWEEP["scenarios"]
    same_sweep(done["result"], serial_answer(engine, int(run["id"]), SWEEP))
    assert cancelled.status_code == 200
    assert (after["status"], after["result"]) == ("cancelled", None)
    assert after["progress"] < 1.0
    assert wait_until_over(api, f"{JOBS}/{again['id']}")["status"] == "finished"
    # the cancelled sweep's scenarios not yet planned were cancelled on the cluster
    assert planned_on(scheduler) - before < 2 * SWEEP["scenarios"] + 400


def test_a_sweep_job_in_a_worker_process_starts_its_local_cluster(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as deployed without a scheduler: the pool's `python -m kuznia.worker` process starts a
    # LocalCluster of KUZNIA_SWEEP_WORKERS processes for the sweep
    monkeypatch.setenv("KUZNIA_SWEEP_WORKERS", "2")
    for api in make_api(engine, workers=True):
        run = wait_until_over(api, f"{RUNS}/{api.post('planner', RUNS, json={}).json()['id']}")
        body = {"plan_run_id": run["id"], **SWEEP}
        job = api.post("planner", "/api/v1/sweeps", json=body).json()
        answer = wait_until_over(api, f"{JOBS}/{job['id']}", seconds=240)

        assert answer["status"] == "finished", answer
        assert answer["result"]["workers"] == 2
        same_sweep(answer["result"], serial_answer(engine, int(run["id"]), SWEEP))
