"""Running tasks: Dask is an optional extra, and its absence is said in one line."""

from __future__ import annotations

import sys

import pytest

from kuznia.resilience import DaskMissing, local_client
from kuznia.resilience.runner import Failure, run_serially


def halve(index: int, *, base: int) -> float:
    if index == 2:
        raise ValueError(f"task {index} fails")
    return base / (index + 1)


def test_without_dask_a_cluster_says_to_install_the_resilience_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if absent

    with pytest.raises(DaskMissing) as raised:
        local_client(workers=1)

    assert str(raised.value) == (
        "Dask is not installed: install kuznia[resilience] (pip install 'kuznia[resilience]')"
    )


def test_serial_tasks_need_no_dask_and_report_failures_by_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)

    run = run_serially(base=12, count=4, evaluate=halve)

    assert run.results == [12.0, 6.0, 3.0]
    assert run.failures == [Failure(index=2, error="ValueError: task 2 fails")]
    assert run.workers == 1
