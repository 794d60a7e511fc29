"""The events of one transaction are appended together at its commit: one lock of the head
and one insert, however many flushes it made; a rolled-back SAVEPOINT drops its events, a
rolled-back transaction appends nothing; the chain stays intact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from kuznia import models
from kuznia.audit import Actor, Change, record, verify
from kuznia.db import session_scope

PLANNER = Actor(name="planner@example.org", user_id=7)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent through `engine` inside the block."""
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()).lower())

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def item(code: str) -> models.Item:
    return models.Item(code=code, name=code.title(), category="ammunition", unit="pcs")


def chain(engine: Engine) -> list[tuple[int, str, str, str]]:
    """Each event's number, action, entity and the code of the record it wrote (its id for
    a change recorded by hand)."""
    with session_scope(engine) as session:
        events = session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.seq))
        return [
            (e.seq, e.action, e.entity, json.loads(e.after or "{}").get("code", e.entity_id))
            for e in events
        ]


def test_a_transactions_events_are_appended_at_commit_in_one_insert(engine: Engine) -> None:
    with statements(engine) as sent, session_scope(engine, PLANNER) as session:
        for code in ("a-1", "a-2", "a-3"):
            session.add(item(code))
            session.flush()  # three flushes, each recorded
        record(session=session, changes=[Change("update", "items", "a-2", {"n": 1}, {"n": 2})])
        session.add(models.Grouping(code="g-1", name="G 1"))  # flushed by the commit
        waiting = [s for s in sent if "audit" in s]
        assert waiting == []  # nothing of the chain touched before the commit
    inserts = [s for s in sent if "insert into audit_events" in s]
    locks = [s for s in sent if "from audit_head" in s]
    moves = [s for s in sent if "update audit_head" in s]
    assert len(inserts) == 1
    assert len(locks) == 1
    assert len(moves) == 1
    if engine.dialect.name == "postgresql":  # the head moves in a CTE of the INSERT
        assert moves == inserts
    assert chain(engine) == [
        (1, "create", "items", "a-1"),
        (2, "create", "items", "a-2"),
        (3, "create", "items", "a-3"),
        (4, "update", "items", "a-2"),
        (5, "create", "groupings", "g-1"),
    ]
    with session_scope(engine) as session:
        assert verify(session=session).intact


def test_a_rolled_back_savepoint_drops_its_events_and_keeps_the_others(engine: Engine) -> None:
    with session_scope(engine, PLANNER) as session:
        session.add(item("kept-1"))
        session.flush()
        savepoint = session.begin_nested()
        session.add(item("dropped"))
        session.flush()
        record(session=session, changes=[Change("update", "items", "dropped", None, {"n": 1})])
        inner = session.begin_nested()
        session.add(item("dropped-inner"))
        session.flush()
        inner.commit()
        savepoint.rollback()
        with session.begin_nested():
            session.add(item("kept-2"))
    assert chain(engine) == [(1, "create", "items", "kept-1"), (2, "create", "items", "kept-2")]
    with session_scope(engine) as session:
        assert verify(session=session).intact


def test_a_rolled_back_transaction_appends_nothing(engine: Engine) -> None:
    def fail() -> None:
        with session_scope(engine, PLANNER) as session:
            session.add(item("never"))
            session.flush()
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        fail()
    with session_scope(engine, PLANNER) as session:
        session.add(item("after"))
    assert chain(engine) == [(1, "create", "items", "after")]


def test_many_events_of_one_transaction_are_stored_exactly_and_chained(engine: Engine) -> None:
    """More events than fit one statement with the head's move (a ledger batch's): on
    PostgreSQL they go by COPY, whose text stream must keep every character and every NULL."""
    awkward = 'tab\there, new\nline, back\\slash, "quotes", \\N, кирилиця, emoji 🛡'
    changes = [
        Change("update", "items", f"i-{n}", None if n % 2 else {"n": n}, {"note": awkward, "n": n})
        for n in range(250)
    ]
    with session_scope(engine, PLANNER) as session:
        record(session=session, changes=changes)
    with session_scope(engine) as session:
        events = list(session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.seq)))
        assert verify(session=session).intact
    assert [e.seq for e in events] == list(range(1, 251))
    assert [json.loads(e.after) for e in events] == [{"note": awkward, "n": n} for n in range(250)]
    assert [e.before for e in events[:2]] == ['{"n":0}', None]
    assert {e.actor for e in events} == {PLANNER.name}
