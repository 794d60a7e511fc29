"""Pages on a real database (SQLite, and PostgreSQL when KUZNIA_TEST_DATABASE_URL is set),
holding tests/db/builders.py's VARIED registry and tests/api/conftest.py's user per role.

`pages.as_user("planner")` is a test client logged in through the login form, with the
session cookie the pages set; it sends the session's CSRF token (kuznia.web.csrf) with every
request, as the pages' forms do, and `pages.anonymous()` the login form's; `solve(pages)` finishes the queued plan runs in this process
(the app in these tests has no worker processes).

`execution` adds the execution world of the ledger and contract pages (built directly, as
approval and signing would leave it; tests/logistics/builders.py):

    depot d-north   run by "Depot North" (user depot@depot.test, "logistics")
    depot d-south   run by nobody
    contract C-1    producer p1, line l1, art-155: 2026-10 100, 2026-11 300, 2026-12 300;
                    paid by the state budget; signed
    contract C-2    producer p2, line l2, fpv: 2026-11 600; paid by fund dk; signed
    contract C-3    producer p1, line l1, art-155: 2026-12 50; a draft
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kuznia.auth import service as auth_service
from kuznia.db import session_scope
from kuznia.models import ContractStatus
from kuznia.plans.worker import claim_next, solve_run
from kuznia.settings import Settings
from kuznia.web.csrf import CSRF_COOKIE, CSRF_HEADER, for_session
from kuznia.web.session import SESSION_COOKIE
from tests.api.conftest import CHEAP_DUMMY_HASH, CHEAP_HASHER, PASSWORD, USERS, populate
from tests.apps import app_without_workers
from tests.logistics.builders import add_contract, add_depot


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its least cost (tests/api/conftest.py): these tests log in many times."""
    monkeypatch.setattr(auth_service, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(auth_service, "_DUMMY_HASH", CHEAP_DUMMY_HASH)


@dataclass
class Pages:
    """The app, and a logged-in test client per user (made on first use)."""

    app: FastAPI
    engine: Engine
    clients: dict[str, TestClient] = field(default_factory=dict)

    def anonymous(self, **headers: str) -> TestClient:
        """A client without a session, holding the login form's CSRF token (`csrf_token`
        sends it with every request)."""
        client = TestClient(self.app, headers=headers)
        client.get("/login")
        client.headers[CSRF_HEADER] = client.cookies[CSRF_COOKIE]
        return client

    def as_user(self, user: str, *, language: str = "en") -> TestClient:
        """A client logged in as `user` (see tests/api/conftest.py), pages in `language`."""
        key = f"{user}/{language}"
        if key not in self.clients:
            client = self.anonymous(**{"Accept-Language": language})
            response = client.post(
                "/login",
                data={"email": USERS[user][0], "password": PASSWORD, "next": "/overview"},
                follow_redirects=False,
            )
            assert response.status_code == 303, response.text
            client.headers[CSRF_HEADER] = for_session(client.cookies[SESSION_COOKIE])
            self.clients[key] = client
        return self.clients[key]

    def record_id(self, path: str, **filters: str) -> int:
        """The id of the one registry record of `path` matching `filters` (ids differ between
        databases: PostgreSQL's keys go on counting from test to test)."""
        token = self.as_user("planner").cookies["kuznia_session"]
        response = self.anonymous().get(
            f"/api/v1{path}", params=filters, headers={"Authorization": f"Bearer {token}"}
        )
        (record,) = response.json()["items"]
        return int(record["id"])

    def start_plan(self, user: str = "planner", **form: str) -> int:
        """Start a plan from the Plans page's form; the run's id."""
        response = self.as_user(user).post(
            "/plans", data={"mode": "lp", **form}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        return int(response.headers["location"].rsplit("/", 1)[1])


def solve_queued(engine: Engine) -> list[int]:
    """Solve every queued plan run here and now, as a worker process would."""
    solved = []
    while (run_id := claim_next(engine=engine)) is not None:
        solve_run(engine=engine, run_id=run_id)
        solved.append(run_id)
    return solved


@pytest.fixture
def pages(engine: Engine) -> Iterator[Pages]:
    """The pages on VARIED, without plan workers."""
    populate(engine)
    app = app_without_workers(
        settings=Settings(database_url=engine.url.render_as_string(hide_password=False)),
        engine=engine,
    )
    found = Pages(app=app, engine=engine)
    with TestClient(app):  # runs the app's lifespan
        yield found
    for client in found.clients.values():
        client.close()


@dataclass(frozen=True)
class Execution:
    """The ids of the execution world's depots and contracts (see the module's docstring)."""

    north: int
    south: int
    c1: int
    c2: int
    c3: int


@pytest.fixture
def execution(pages: Pages) -> Execution:
    with session_scope(pages.engine) as session:
        north = add_depot(session, code="d-north", organisation="Depot North")
        south = add_depot(session, code="d-south", organisation=None)
        c1 = add_contract(
            session,
            number="C-1",
            producer="p1",
            line="l1",
            item="art-155",
            schedule={"2026-10": 100, "2026-11": 300, "2026-12": 300},
        )
        c2 = add_contract(
            session,
            number="C-2",
            producer="p2",
            line="l2",
            item="fpv",
            schedule={"2026-11": 600},
            funds=[("dk", 1.0)],
        )
        c3 = add_contract(
            session,
            number="C-3",
            producer="p1",
            line="l1",
            item="art-155",
            schedule={"2026-12": 50},
            status=ContractStatus.draft,
        )
        return Execution(north.id, south.id, c1.id, c2.id, c3.id)
