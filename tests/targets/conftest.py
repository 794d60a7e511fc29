"""The targets tests' ledger: the registry VARIED with one more artillery item, four
contracts and a month and a half of receipts (see test_report.py's docstring for the books)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kuznia.db import session_scope
from kuznia.models import ContractStatus, Item, Receipt
from kuznia.registry import import_instance
from tests.db.builders import varied
from tests.logistics.builders import add_contract, add_depot


def receive(session: Session, depot: int, contract: int, item: str, day: str, accepted: float,
            *, rejected: float = 0.0, reverses: Receipt | None = None) -> Receipt:  # fmt: skip
    receipt = Receipt(
        client_key=f"{item}-{day}-{accepted}-{reverses.id if reverses else ''}",
        depot_id=depot,
        contract_id=contract,
        item=item,
        day=date.fromisoformat(day),
        received=accepted + rejected,
        accepted=accepted,
        rejected=rejected,
        reverses_id=None if reverses is None else reverses.id,
    )
    session.add(receipt)
    session.flush()
    return receipt


@pytest.fixture
def ledger(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        import_instance(session=session, instance=varied())
        session.add(Item(code="art-122", name="122 mm round", category="artillery_ammunition"))
        depot = add_depot(session, code="d-1", organisation=None).id
        c1 = add_contract(
            session,
            number="C-1",
            producer="p1",
            line="l1",
            item="art-155",
            schedule={"2026-01": 100, "2026-02": 150, "2026-03": 248},
        ).id
        c2 = add_contract(
            session,
            number="C-2",
            producer="p1",
            line="l1",
            item="art-122",
            schedule={"2026-02": 50, "2026-03": 62},
            status=ContractStatus.draft,
        ).id
        c3 = add_contract(
            session,
            number="C-3",
            producer="p1",
            line="l1",
            item="art-155",
            schedule={"2026-02": 40, "2026-03": 40},
            status=ContractStatus.terminated,
        )
        c3.closed_at = datetime(2026, 2, 10, 12, tzinfo=UTC)
        c4 = add_contract(
            session,
            number="C-4",
            producer="p2",
            line="l2",
            item="fpv",
            schedule={"2026-02": 100, "2026-03": 310},
        ).id
        receive(session, depot, c1, "art-155", "2026-01-10", 60, rejected=10)
        receive(session, depot, c1, "art-155", "2026-01-20", 30)
        wrong = receive(session, depot, c1, "art-155", "2026-02-05", 100)
        receive(session, depot, c1, "art-155", "2026-02-05", -100, reverses=wrong)
        receive(session, depot, c1, "art-155", "2026-02-06", 90)
        receive(session, depot, c2, "art-122", "2026-02-15", 40)
        receive(session, depot, c1, "art-155", "2026-03-03", 50)
        receive(session, depot, c4, "fpv", "2026-03-05", 500)
        receive(session, depot, c1, "art-155", "2026-03-20", 70)
        receive(session, depot, c1, "art-155", "2026-04-01", 10)
    return engine  # fmt: skip
