"""`kuznia serve --workers N`: several server processes on PostgreSQL; SQLite, a single
writer, is refused with a message saying so."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from kuznia.cli.users import SQLITE_ONE_WRITER, workers_problem
from tests.db.test_users_cli import Kuznia, _free_port, kuznia

__all__ = ["kuznia"]


def test_several_workers_on_sqlite_are_refused_saying_it_is_single_writer(
    tmp_path: Path,
) -> None:
    command = Kuznia(f"sqlite:///{tmp_path / 'kuznia.db'}")
    assert command("db", "upgrade").exit_code == 0

    result = command("serve", "--workers", "2", "--port", str(_free_port()))

    assert result.exit_code == 2
    assert "SQLite is single-writer" in " ".join(result.output.split())


def test_one_worker_on_sqlite_and_several_on_postgresql_are_allowed() -> None:
    assert workers_problem(database_url="sqlite:///k.db", workers=1) is None
    assert workers_problem(database_url="sqlite:///k.db", workers=3) == (
        f"--workers 3: {SQLITE_ONE_WRITER}"
    )
    assert workers_problem(database_url="postgresql+psycopg://k@db/k", workers=4) is None


def _server_processes(parent: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def test_several_workers_on_postgresql_serve_the_api(kuznia: Kuznia) -> None:
    if make_url(kuznia.database_url).get_backend_name() != "postgresql":
        pytest.skip("several workers are for PostgreSQL (set KUZNIA_TEST_DATABASE_URL)")
    kuznia(
        "users", "add", "a@ministry.test", "--role", "planner", "--organisation", "M",
        "--password-stdin", stdin="long-password-for-kuznia\n",
    )  # fmt: skip
    port = _free_port()
    env = {**os.environ, "KUZNIA_DATABASE_URL": kuznia.database_url}
    server = subprocess.Popen(
        [sys.executable, "-c", "from kuznia.cli.main import app; app()", "serve",
         "--port", str(port), "--workers", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, "the server exited"
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.3)
        login = httpx.post(
            f"{base}/auth/login",
            json={"email": "a@ministry.test", "password": "long-password-for-kuznia"},
            timeout=30,
        )
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        totals = [
            httpx.get(f"{base}/lines", headers=headers, timeout=30).json()["total"]
            for _ in range(6)
        ]
        # uvicorn's supervisor runs the workers as its children (a multiprocessing spawn
        # helper may sit beside them)
        workers = _server_processes(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert totals == [4] * 6
    assert len(workers) >= 2
