"""A live Kuznia for the browser tests: uvicorn on a free loopback port in a thread, a
temporary SQLite database holding the `small` synthetic data set (with the synthetic supplier
countries of its foreign supply), the demo user of each role
and the execution demo (`kuznia demo-users --execution`: depots, a signed plan, four days of
receipts and dispatches), and plan worker processes as in production.

The database is built once per test process (the demo's users, hashed at production cost, and
its solved plan take seconds) and copied for each live Kuznia: every module that serves one
changes it, and none sees another's changes."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from kuznia.cli.demo import DEMO_USERS, DemoUser, add_demo_execution, add_demo_users
from kuznia.db import create_engine_for, session_scope, upgrade
from kuznia.main import create_app
from kuznia.registry import import_instance
from kuznia.settings import Settings
from kuznia.synthetic import generate, supplier_countries


@dataclass(frozen=True)
class LiveKuznia:
    url: str
    database_url: str

    def user(self, role: str) -> DemoUser:
        return next(user for user in DEMO_USERS if user.role.value == role)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# The seeded database of this process, once built (see the module's docstring).
_seeded: list[Path] = []


def _seeded_database(directory: Path) -> Path:
    """This process's database of `small`, the demo users and the execution demo, built in
    `directory` the first time."""
    if not _seeded:
        path = directory / "seeded.db"
        engine = create_engine_for(f"sqlite:///{path.as_posix()}")
        upgrade(engine=engine)
        with session_scope(engine) as session:
            small = generate("small", seed=7)
            import_instance(
                session=session,
                instance=small,
                supplier_countries=supplier_countries(small, seed=7),
            )
            add_demo_users(session=session)
        add_demo_execution(engine=engine)
        engine.dispose()  # the last connection closing folds the WAL into the file
        _seeded.append(path)
    return _seeded[0]


@contextmanager
def live_kuznia(directory: Path) -> Iterator[LiveKuznia]:
    """Serve Kuznia on `directory`/kuznia.db, a copy of the seeded database, until the block
    ends."""
    path = directory / "kuznia.db"
    shutil.copyfile(_seeded_database(directory), path)
    database_url = f"sqlite:///{path.as_posix()}"
    engine = create_engine_for(database_url)
    settings = Settings(database_url=database_url, plan_workers=2)
    app = create_app(settings=settings, engine=engine, workers=True)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="kuznia-live", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live Kuznia did not start")
        time.sleep(0.05)
    assert httpx.get(f"{url}/login", timeout=10).status_code == 200
    try:
        yield LiveKuznia(url=url, database_url=database_url)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        engine.dispose()
