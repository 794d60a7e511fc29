"""The ledger's writes outside the unit of work (issue 16): a receipt or dispatch is stored by
one INSERT ... ON CONFLICT DO NOTHING and its audit event written by hand, so these tests hold
that event to what the unit of work records, and the INSERT to the client key's rule."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from kuznia.audit import verify
from kuznia.audit.chain import plain
from kuznia.auth.permissions import Scope
from kuznia.db import session_scope
from kuznia.logistics import repository, service
from kuznia.logistics.schemas import ReceiptCreate
from kuznia.models import AuditEvent, Receipt
from kuznia.models.base import as_utc, utc_now
from tests.logistics.conftest import World


def receipt_body(world: World, key: str, accepted: int = 40) -> ReceiptCreate:
    return ReceiptCreate.model_validate(
        {
            "client_key": key,
            "depot": "d-north",
            "contract_id": world.c1,
            "day": utc_now().date().isoformat(),
            "lot": "L-7",
            "received": accepted,
            "accepted": accepted,
            "rejected": 0,
        }
    )


def test_a_receipts_audit_event_holds_every_column_as_stored(
    world: World, north_scope: Scope
) -> None:
    with session_scope(world.engine) as session:
        record, created = service.record_receipt(
            session=session, scope=north_scope, body=receipt_body(world, "k-1")
        )
    assert created
    with session_scope(world.engine) as session:
        stored = session.get(Receipt, record["id"])
        assert stored is not None
        event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "receipts")).one()
        expected = {
            attribute.key: plain(getattr(stored, attribute.key))
            for attribute in Receipt.__mapper__.column_attrs
        }
        assert (event.action, event.entity_id, event.before) == ("create", str(stored.id), None)
        assert json.loads(event.after) == expected
        assert verify(session=session).intact


def test_a_key_stored_before_is_skipped_and_recorded_once(world: World, north_scope: Scope) -> None:
    with session_scope(world.engine) as session:
        first, _ = service.record_receipt(
            session=session, scope=north_scope, body=receipt_body(world, "k-1")
        )
    row = {
        "client_key": "k-1",
        "organisation_id": north_scope.organisation_id,
        "depot_id": world.north,
        "contract_id": world.c1,
        "item": "art-155",
        "day": utc_now().date(),
        "lot": "",
        "received": 5,
        "accepted": 5,
        "rejected": 0,
        "reason": "",
        "reverses_id": None,
        "created_at": utc_now(),
        "created_by_id": north_scope.user_id,
    }
    with session_scope(world.engine) as session:
        inserted = repository.insert_new(
            session=session, model=Receipt, rows=[row, {**row, "client_key": "k-2"}]
        )
    with session_scope(world.engine) as session:
        assert set(inserted) == {"k-2"}
        assert inserted["k-2"] != first["id"]
        assert session.scalar(select(func.count()).select_from(Receipt)) == 2
        events = session.scalars(
            select(AuditEvent.entity_id).where(AuditEvent.entity == "receipts")
        ).all()
        assert sorted(events) == sorted([str(first["id"]), str(inserted["k-2"])])
        assert verify(session=session).intact


def test_a_retry_is_answered_with_the_stored_record(world: World, north_scope: Scope) -> None:
    with session_scope(world.engine) as session:
        first, created = service.record_receipt(
            session=session, scope=north_scope, body=receipt_body(world, "k-1")
        )
    with session_scope(world.engine) as session:
        again, created_again = service.record_receipt(
            session=session, scope=north_scope, body=receipt_body(world, "k-1")
        )
    assert (created, created_again) == (True, False)
    # SQLite gives back its timestamps without their zone (UTC)
    assert {**again, "created_at": as_utc(again["created_at"])} == first
