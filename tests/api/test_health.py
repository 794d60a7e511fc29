"""GET /api/v1/health for a load balancer or an orchestrator: 200 when the database answers and
holds this version's schema, no token needed; otherwise 503 (`unavailable`) saying what is
wrong, with a Retry-After. Any other request that cannot reach the database is a 503 too, not a
500: nothing was done, and it may be sent again."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kuznia.db import create_engine_for, database_engine
from kuznia.settings import Settings
from kuznia.web.csrf import CSRF_COOKIE, CSRF_HEADER
from tests.api.conftest import Api
from tests.apps import app_without_workers


def client_on(engine: Engine) -> Iterator[TestClient]:
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    with TestClient(app_without_workers(settings=settings, engine=engine)) as client:
        yield client


@pytest.fixture
def refused_engine() -> Iterator[Engine]:
    """An engine for a PostgreSQL server that is not there (a port nothing listens on)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = database_engine(
        Settings(database_url=f"postgresql+psycopg://kuznia@127.0.0.1:{port}/kuznia")
    )
    yield engine
    engine.dispose()


def test_a_server_with_its_database_is_healthy_without_a_token(api: Api) -> None:
    answer = api.client.get("/api/v1/health")

    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok", "migrations": "current"}


def test_a_database_never_migrated_is_named_with_the_command_that_mends_it(
    tmp_path: Path,
) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        for client in client_on(engine):
            answer = client.get("/api/v1/health")
    finally:
        engine.dispose()

    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "60"
    body = answer.json()
    assert body["code"] == "unavailable"
    assert "at revision none" in body["detail"]
    assert "kuznia db upgrade" in body["detail"]


def test_a_database_that_does_not_answer_is_503_not_500(refused_engine: Engine) -> None:
    for client in client_on(refused_engine):
        health = client.get("/api/v1/health")
        login = client.post(
            "/api/v1/auth/login", json={"email": "a@example.org", "password": "whatever-1"}
        )

    assert health.status_code == 503
    assert health.json()["detail"].startswith("the database does not answer")
    assert "KUZNIA_DATABASE_URL" in health.json()["detail"]
    assert login.status_code == 503
    assert login.headers["retry-after"] == "5"
    assert login.json()["code"] == "unavailable"
    assert "nothing was done" in login.json()["detail"]


def test_a_page_that_cannot_reach_the_database_says_so_in_the_pages_language(
    refused_engine: Engine,
) -> None:
    for client in client_on(refused_engine):
        client.headers["Accept-Language"] = "uk"
        page = client.get("/login")  # the form asks nothing of the database
        client.headers[CSRF_HEADER] = client.cookies[CSRF_COOKIE]
        answer = client.post("/login", data={"email": "a@example.org", "password": "whatever-1"})

    assert page.status_code == 200
    assert answer.status_code == 503, answer.text[:300]
    assert answer.headers["retry-after"] == "5"
    assert "База даних недоступна" in answer.text
    assert "Нічого не змінено" in answer.text
