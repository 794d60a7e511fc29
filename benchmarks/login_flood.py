"""How much a flood of wrong logins slows an authenticated `GET /api/v1/lines` (issue 12).

Serves Kuznia (`kuznia serve`, production argon2 cost) on a temporary SQLite database holding
the `small` synthetic data set and one planner, then times GET /api/v1/lines alone and while
16 clients post wrong logins as fast as they are answered. Run with the sources to measure
first on the path:

    PYTHONPATH=src python benchmarks/login_flood.py
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

PASSWORD = "forge-test-password-1"
FLOODERS = 16
SAMPLES = 40


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _prepare(database_url: str) -> None:
    from kuznia.auth import service as auth_service
    from kuznia.db import create_engine_for, session_scope, upgrade
    from kuznia.models import OrganisationKind, Role
    from kuznia.registry import import_instance
    from kuznia.synthetic import generate

    engine = create_engine_for(database_url)
    upgrade(engine=engine)
    with session_scope(engine) as session:
        import_instance(session=session, instance=generate("small", seed=7))
        auth_service.add_organisation(
            session=session, name="Ministry", kind=OrganisationKind.ministry
        )
        auth_service.add_user(
            session=session,
            email="planner@ministry.test",
            password=PASSWORD,
            role=Role.planner,
            organisation="Ministry",
        )
    engine.dispose()


def _times(client: httpx.Client, url: str, token: str) -> list[float]:
    found = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        found.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return found


def _say(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{label:<28} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="kuznia-flood-"))
    database_url = f"sqlite:///{directory / 'kuznia.db'}"
    _prepare(database_url)
    port = _free_port()
    env = {**os.environ, "KUZNIA_DATABASE_URL": database_url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from kuznia.cli.main import app; app()",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(directory / "server.log").open("w"),
    )
    print(f"server log: {directory / 'server.log'}")
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        with httpx.Client(timeout=120) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get(f"{base}/openapi.json")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            login = client.post(
                f"{base}/auth/login", json={"email": "planner@ministry.test", "password": PASSWORD}
            )
            token = login.json()["token"]
            _say("GET /lines alone", _times(client, f"{base}/lines", token))

            stop = threading.Event()
            answers: dict[int, int] = {}
            lock = threading.Lock()

            def flood(number: int) -> None:
                with httpx.Client(timeout=120) as flooder:
                    attempt = 0
                    while not stop.is_set():
                        attempt += 1
                        try:
                            status = flooder.post(
                                f"{base}/auth/login",
                                json={
                                    "email": f"guess-{number}-{attempt}@x.test",
                                    "password": "wrong",
                                },
                            ).status_code
                        except httpx.TransportError:
                            status = 0
                        with lock:
                            answers[status] = answers.get(status, 0) + 1

            threads = [threading.Thread(target=flood, args=(n,)) for n in range(FLOODERS)]
            for thread in threads:
                thread.start()
            time.sleep(2)
            _say(f"GET /lines, {FLOODERS} flooding", _times(client, f"{base}/lines", token))
            stop.set()
            for thread in threads:
                thread.join()
            print(f"flood answers: {dict(sorted(answers.items()))}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
