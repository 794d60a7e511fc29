"""Two requests at the same moment, through the service with a session each (as two API
requests have): the same client key is recorded once, and two dispatches cannot both take
stock past zero.

On PostgreSQL the two threads are held at a barrier after looking the key up, so both go on
to write at once: the second INSERT waits for the first transaction and then meets the unique
key, or the second UPDATE of the stock re-checks its condition on the row the first left. On
SQLite writers take turns (BEGIN IMMEDIATE), so the race is made by hiding the stored key from
each thread's first look-up: the second thread's INSERT then meets the unique key all the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from kuznia.audit import Actor, set_actor
from kuznia.auth.permissions import Scope
from kuznia.db import session_scope
from kuznia.db.engine import SQLITE_BEGIN
from kuznia.db.session import session_factory
from kuznia.errors import KuzniaError
from kuznia.logistics import repository, service
from kuznia.logistics.schemas import DispatchCreate, ReceiptCreate
from kuznia.models import AuditEvent, DepotStock, Dispatch, Receipt
from tests.logistics.conftest import World


@pytest.fixture
def racing(world: World, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """A switch: from when it is called, each thread's first look-up of a client key (with
    the depot's, in one statement) finds nothing stored, after (on PostgreSQL) both threads
    have made it."""
    postgres = world.engine.dialect.name == "postgresql"
    barrier = threading.Barrier(2, timeout=30)
    looked = threading.local()

    def racing(real: Callable[..., Any]) -> Callable[..., Any]:
        def racing_lookup(**kwargs: Any) -> Any:
            found = real(**kwargs)
            if getattr(looked, "once", False):
                return found
            looked.once = True
            if postgres:
                barrier.wait()
            return (found[0], None, *found[2:])

        return racing_lookup

    def switch() -> None:
        for name in ("depot_and_stored", "dispatch_start"):
            monkeypatch.setattr(repository, name, racing(getattr(repository, name)))

    return switch


def in_two_threads(world: World, call: Callable[[Any], Any]) -> list[Any]:
    """Run `call(session)` in two threads, each in its own transaction as a request would
    be; each thread's answer, or the domain error it raised."""

    def request() -> Any:
        session = session_factory(world.engine)()
        set_actor(session, Actor(name="depot@depot.test"))
        try:
            session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
            answer = call(session)
            session.commit()
            return answer
        except KuzniaError as error:
            session.rollback()
            return error
        finally:
            session.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(request) for _ in range(2)]
        return [future.result(timeout=60) for future in futures]


def test_two_requests_with_the_same_key_record_once(
    world: World, north_scope: Scope, racing: Callable[[], None]
) -> None:
    body = ReceiptCreate.model_validate(
        {
            "client_key": "same-key",
            "depot": "d-north",
            "contract_id": world.c1,
            "day": "2026-11-05",
            "received": 40,
            "accepted": 40,
            "rejected": 0,
        }
    )
    racing()

    answers = in_two_threads(
        world, lambda session: service.record_receipt(session=session, scope=north_scope, body=body)
    )

    (first_id, first_created), (second_id, second_created) = [
        (record["id"], created) for record, created in answers
    ]
    assert first_id == second_id
    assert sorted([first_created, second_created]) == [False, True]
    with session_scope(world.engine) as session:
        assert session.scalar(select(func.count()).select_from(Receipt)) == 1
        assert session.scalar(select(DepotStock.quantity)) == 40
        receipt_events = session.scalar(select(func.count()).where(AuditEvent.entity == "receipts"))
        assert receipt_events == 1


def test_two_dispatches_cannot_both_take_the_last_units(
    world: World, north_scope: Scope, racing: Callable[[], None]
) -> None:
    with session_scope(world.engine) as session:
        service.record_receipt(
            session=session,
            scope=north_scope,
            body=ReceiptCreate.model_validate(
                {
                    "client_key": "stock",
                    "depot": "d-north",
                    "contract_id": world.c1,
                    "day": "2026-11-05",
                    "received": 100,
                    "accepted": 100,
                    "rejected": 0,
                }
            ),
        )
    keys = iter(["take-a", "take-b"])
    lock = threading.Lock()

    def dispatch(session: Any) -> Any:
        with lock:
            key = next(keys)
        body = DispatchCreate.model_validate(
            {
                "client_key": key,
                "depot": "d-north",
                "item": "art-155",
                "grouping": "g-east",
                "day": "2026-11-06",
                "quantity": 60,
            }
        )
        return service.record_dispatch(session=session, scope=north_scope, body=body)

    racing()
    answers = in_two_threads(world, dispatch)

    refused = [answer for answer in answers if isinstance(answer, service.InsufficientStock)]
    assert len(refused) == 1
    assert refused[0].detail == (
        'depot "d-north" holds 40 of item "art-155"; the dispatch to g-east takes 60: '
        "stock cannot go below zero"
    )
    with session_scope(world.engine) as session:
        assert session.scalar(select(func.count()).select_from(Dispatch)) == 1
        assert session.scalar(select(DepotStock.quantity)) == 40
