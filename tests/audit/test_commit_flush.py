"""A ledger write's commit (decision 0019): on PostgreSQL the transaction that appends to the
chain commits without waiting for the disk, so the head is not held through the fsync, and the
caller gets its answer only after a transaction of its own has waited for the flush; SQLite
commits as usual. The chain stays intact."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from kuznia import models
from kuznia.audit import Actor, Change, record, set_actor, verify
from kuznia.audit import chain as audit_chain
from kuznia.db import session_scope
from kuznia.db.session import session_factory

PLANNER = Actor(name="planner@example.org", user_id=7)


def _synchronous_commit_at_commit(engine: Engine) -> list[str]:
    """The `synchronous_commit` setting each transaction through `engine` commits with."""
    seen: list[str] = []

    def before_commit(connection: Any) -> None:
        seen.append(connection.exec_driver_sql("SHOW synchronous_commit").scalar_one())

    if engine.dialect.name == "postgresql":
        event.listen(engine, "commit", before_commit)
    return seen


def test_an_appending_transaction_commits_without_waiting_then_waits_for_the_flush(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    flushes: list[bool] = []
    monkeypatch.setattr(audit_chain, "wait_for_flush", lambda _connection: flushes.append(True))
    seen = _synchronous_commit_at_commit(engine)
    session = session_factory(engine)()
    set_actor(session, PLANNER)
    try:
        session.add(models.Grouping(code="g-1", name="G 1"))
        record(session=session, changes=[Change("update", "items", "a-1", {"n": 1}, {"n": 2})])
        audit_chain.commit_then_flush(session)
    finally:
        session.close()
    postgresql = engine.dialect.name == "postgresql"
    assert seen == (["off"] if postgresql else [])
    assert flushes == ([True] if postgresql else [])
    with session_scope(engine) as check:
        assert verify(session=check).intact
        assert verify(session=check).events == 2


def test_a_transaction_that_appends_nothing_commits_as_usual(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    flushes: list[bool] = []
    monkeypatch.setattr(audit_chain, "wait_for_flush", lambda _connection: flushes.append(True))
    seen = _synchronous_commit_at_commit(engine)
    session = session_factory(engine)()
    try:
        session.execute(text("SELECT 1"))
        audit_chain.commit_then_flush(session)
    finally:
        session.close()
    assert seen == (["on"] if engine.dialect.name == "postgresql" else [])
    assert flushes == []


def test_waiting_for_the_flush_covers_an_earlier_commit_that_did_not_wait(
    engine: Engine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's WAL")
    with engine.connect() as connection:
        connection.exec_driver_sql("SET synchronous_commit TO off")
        connection.exec_driver_sql("CREATE TEMPORARY TABLE written (n int)")
        connection.commit()
        connection.exec_driver_sql("INSERT INTO written VALUES (1)")
        connection.commit()
        committed_at = connection.exec_driver_sql("SELECT pg_current_wal_insert_lsn()").scalar()
        connection.commit()
        with engine.connect() as other:
            audit_chain.wait_for_flush(other)
        flushed = connection.execute(
            text("SELECT pg_current_wal_flush_lsn() >= CAST(:lsn AS pg_lsn)"),
            {"lsn": committed_at},
        )
        assert flushed.scalar() is True


def test_the_flush_is_waited_for_on_the_committing_connection_before_commit_returns(
    engine: Engine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's WAL")
    checkouts: list[int] = []
    written_at_commit: list[str] = []

    def on_checkout(dbapi_connection: Any, *_args: Any) -> None:
        checkouts.append(id(dbapi_connection))

    def on_commit(connection: Any) -> None:
        lsn = connection.exec_driver_sql("SELECT pg_current_wal_insert_lsn()").scalar_one()
        written_at_commit.append(str(lsn))

    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "commit", on_commit)
    session = session_factory(engine)()
    set_actor(session, PLANNER)
    try:
        session.add(models.Grouping(code="g-2", name="G 2"))
        audit_chain.commit_then_flush(session)
    finally:
        session.close()
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "commit", on_commit)
    # one connection for the write and its barrier: no second checkout, no second ping
    assert len(checkouts) == 1
    with engine.connect() as check:
        flushed = check.execute(
            text("SELECT pg_current_wal_flush_lsn() >= CAST(:lsn AS pg_lsn)"),
            {"lsn": written_at_commit[0]},
        )
        assert flushed.scalar() is True
    with session_scope(engine) as check:
        assert verify(session=check).intact
