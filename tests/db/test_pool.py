"""PostgreSQL connections are kept open across requests (a pool as large as the requests a
process serves at once), pinged before use only after an idle spell, and a connection the
server dropped is replaced before a request meets it."""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy import Engine

from kuznia.db import database_engine
from kuznia.db import engine as db_engine
from kuznia.settings import Settings

POSTGRES_URL = os.environ.get("KUZNIA_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not POSTGRES_URL.startswith("postgresql"), reason="set KUZNIA_TEST_DATABASE_URL to PostgreSQL"
)


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        pid: int = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        return pid


def counted_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    pings: list[Any] = []
    real = engine.dialect.do_ping

    def ping(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", ping)
    return pings


def test_the_pool_keeps_as_many_connections_as_the_setting_says() -> None:
    engine = database_engine(Settings(database_url=POSTGRES_URL, database_pool_size=24))
    try:
        assert engine.pool.size() == 24  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_a_connection_used_a_moment_ago_is_handed_out_without_a_ping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = database_engine(Settings(database_url=POSTGRES_URL))
    pings = counted_pings(engine, monkeypatch)
    try:
        first = backend_pid(engine)
        again = [backend_pid(engine) for _ in range(5)]
    finally:
        engine.dispose()
    assert again == [first] * 5
    assert pings == []


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = database_engine(Settings(database_url=POSTGRES_URL))
    pings = counted_pings(engine, monkeypatch)
    try:
        dropped = backend_pid(engine)
        admin = database_engine(Settings(database_url=POSTGRES_URL))
        with admin.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_terminate_backend({dropped})")
        admin.dispose()
        monkeypatch.setattr(db_engine, "PING_AFTER_IDLE_SECONDS", 0.0)  # idle long enough
        replaced = backend_pid(engine)
    finally:
        engine.dispose()
    assert replaced != dropped
    assert len(pings) == 1
