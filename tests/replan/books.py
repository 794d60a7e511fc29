"""The books of one execution, written out so that a re-plan's every number can be worked out
on paper (tests/replan/test_books.py checks them; test_properties.py varies the ledger).

BOOKS, six months from 2026-09 (Sep, Oct, Nov, Dec, Jan, Feb):

    line l1 (p1, shell)  100 a month at 10     expansion e1 on l1: +40 from month 3 (Dec), capex 1,000
    line l2 (p2, fpv)     50 a month at 20     expansion e2 on l3: +30 after 1 month, capex 5,000
    line l3 (p3, shell)   60 a month at 12
    funds: state 2026 100,000, 2027 200,000; eu 2026 50,000, 2027 60,000
    registry stock: shell 30, fpv 5

Plan run RUN (written by hand): every line at capacity every month; payments 2026 l1 state
2,400 + eu 1,600, l2 state 4,000, l3 eu 2,880; e1 chosen (level 1, counts from month 3), its
capex paid by state in 2026. Approved with three firm months (Sep..Nov):

    K-l1  100 Sep, Oct, Nov at 10 = 3,000; 2026: state 1,800 (0.6), eu 1,200 (0.4)
    K-l2   50 Sep, Oct, Nov at 20 = 3,000; 2026: state 3,000
    K-l3   60 Sep, Oct, Nov at 12 = 2,160; 2026: eu 2,160
    G-l1  300 of l1 over Dec..Feb;  G-l2 150 of l2;  G-l3 180 of l3    (all signed)
    G-x    25 of l3 over Nov..Dec (signed; a small guarantee made by hand)

Depots d-1 (the first: the opening balance, shell 30 and fpv 5, is entered there) and d-2.
The ledger (receipts: accepted [rejected]; dispatches: quantity to grouping):

    2026-09-20  d-1  K-l1  100 [5]          2026-09-22  d-1  shell 100 -> g-east
    2026-09-25  d-1  K-l2   50              2026-10-25  d-1  fpv    60 -> g-south
    2026-09-30  d-2  K-l3   60              2026-11-12  d-2  shell 200 -> g-east
    2026-10-15  d-1  K-l1  100              2026-12-01  d-1  fpv    20 -> g-south, reversed
    2026-10-20  d-1  K-l2   40              2026-12-04  d-1  shell  80 -> g-east
    2026-10-21  d-1  K-l2   10, reversed    2026-12-04  d-2  shell  20 -> g-south
    2026-11-05  d-2  K-l3   50              2026-12-06  d-1  shell  10 -> g-east (after the day)
    2026-11-10  d-2  K-l1  100
    2026-12-03  d-2  K-l3   30

K-l1 is completed (all 300 accepted), K-l2 terminated (90 accepted), K-l3 still in delivery
(140 of 180), G-l2 terminated. The re-plan starts 2026-12 on the re-plan day 2026-12-05.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import count

from sqlalchemy import select
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth import service as auth_service
from kuznia.auth.permissions import Scope
from kuznia.contracts import service as contracts_service
from kuznia.contracts.schemas import DeliveryPointsUpdate
from kuznia.instance import Instance, dump_instance, parse_instance
from kuznia.logistics import repository as logistics_repository
from kuznia.logistics import service as logistics_service
from kuznia.logistics.schemas import DepotCreate
from kuznia.registry import import_instance

REPLAN_START = "2026-12"
REPLAN_DAY = date(2026, 12, 5)
MONTHS = ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02"]

BOOKS = {
    "name": "books",
    "start": "2026-09",
    "months": 6,
    "items": [
        {"id": "shell", "name": "Shell", "category": "artillery_ammunition"},
        {"id": "fpv", "name": "FPV drone", "category": "drones"},
    ],
    "producers": [
        {"id": "p1", "name": "Works One", "ownership": "state", "region": "r-1"},
        {"id": "p2", "name": "Works Two", "ownership": "private", "region": "r-2"},
        {"id": "p3", "name": "Works Three", "ownership": "state", "region": "r-1"},
    ],
    "lines": [
        {
            "id": "l1",
            "producer": "p1",
            "item": "shell",
            "capacity": 100,
            "price": 10,
            "lead_time": 0,
        },
        {"id": "l2", "producer": "p2", "item": "fpv", "capacity": 50, "price": 20, "lead_time": 0},
        {
            "id": "l3",
            "producer": "p3",
            "item": "shell",
            "capacity": 60,
            "price": 12,
            "lead_time": 0,
        },
    ],
    "expansions": [
        {"id": "e1", "line": "l1", "start": 0, "delay": 3, "added_capacity": 40, "capex": 1000},
        {"id": "e2", "line": "l3", "start": 0, "delay": 1, "added_capacity": 30, "capex": 5000},
    ],
    "groupings": [{"id": "g-east"}, {"id": "g-south"}],
    "needs": [
        *(
            {
                "item": "shell",
                "grouping": "g-east",
                "month": m,
                "quantity": 150,
                "operation": "defensive",
                "priority": 1,
            }
            for m in range(6)
        ),
        *(
            {
                "item": "fpv",
                "grouping": "g-south",
                "month": m,
                "quantity": 40,
                "operation": "offensive",
                "priority": 1,
            }
            for m in range(6)
        ),
        {
            "item": "shell",
            "grouping": "g-south",
            "month": 2,
            "quantity": 50,
            "operation": "stabilization",
            "priority": 2,
        },
    ],
    "funds": [
        {"id": "state", "kind": "state", "budget": {"2026": 100000, "2027": 200000}},
        {"id": "eu", "kind": "eu", "budget": {"2026": 50000, "2027": 60000}, "expansions": False},
    ],
    "stock": [{"item": "shell", "quantity": 30}, {"item": "fpv", "quantity": 5}],
}

# (line, producer, item, price a unit, monthly quantity)
RUN_LINES = [
    ("l1", "p1", "shell", 10.0, 100.0),
    ("l2", "p2", "fpv", 20.0, 50.0),
    ("l3", "p3", "shell", 12.0, 60.0),
]
# (fund, line, expansion, year, amount)
RUN_PAYMENTS = [
    ("state", "l1", None, 2026, 2400.0),
    ("eu", "l1", None, 2026, 1600.0),
    ("state", "l1", None, 2027, 2000.0),
    ("state", "l2", None, 2026, 4000.0),
    ("state", "l2", None, 2027, 2000.0),
    ("eu", "l3", None, 2026, 2880.0),
    ("eu", "l3", None, 2027, 1440.0),
    ("state", None, "e1", 2026, 1000.0),
]


def books_instance() -> Instance:
    """The registry's instance of BOOKS."""
    return parse_instance(BOOKS)


@dataclass
class Books:
    """What the books were made with: ids by name."""

    planner: Scope
    run_id: int
    contracts: dict[str, int] = field(default_factory=dict)  # by line
    guarantees: dict[str, int] = field(default_factory=dict)  # by line, and "x"
    depots: dict[str, int] = field(default_factory=dict)  # by code
    receipts: list[int] = field(default_factory=list)


KEYS = count(1)


def receive(
    session: Session,
    books: Books,
    depot: str,
    line: str,
    day: date,
    accepted: int,
    rejected: int = 0,
) -> models.Receipt:
    """A receipt as the logistics service records it (stock moved, audited), dated `day`."""
    contract = session.get(models.Contract, books.contracts[line])
    assert contract is not None
    receipt = models.Receipt(
        client_key=f"r{next(KEYS)}",
        depot_id=books.depots[depot],
        contract_id=contract.id,
        item=contract.item,
        day=day,
        received=accepted + rejected,
        accepted=accepted,
        rejected=rejected,
        reason="damaged" if rejected else "",
    )
    session.add(receipt)
    session.flush()
    logistics_repository.change_stock(
        session=session, depot_id=books.depots[depot], item=contract.item, delta=accepted
    )
    contracts_service.start_delivery(session=session, contract=contract)
    books.receipts.append(receipt.id)
    return receipt


def dispatch(
    session: Session, books: Books, depot: str, item: str, grouping: str, day: date, quantity: int
) -> models.Dispatch:
    """A dispatch as the logistics service records it, dated `day`."""
    sent = models.Dispatch(
        client_key=f"d{next(KEYS)}",
        depot_id=books.depots[depot],
        item=item,
        grouping=grouping,
        day=day,
        quantity=quantity,
    )
    session.add(sent)
    session.flush()
    changed = logistics_repository.change_stock(
        session=session, depot_id=books.depots[depot], item=item, delta=-quantity
    )
    assert changed is not None, f"{depot} lacks {quantity} of {item} on {day}"
    return sent


def reverse(session: Session, record: models.Receipt | models.Dispatch) -> None:
    """The reversal of a receipt or dispatch, on its day."""
    if isinstance(record, models.Receipt):
        session.add(
            models.Receipt(
                client_key=f"r{next(KEYS)}",
                depot_id=record.depot_id,
                contract_id=record.contract_id,
                item=record.item,
                day=record.day,
                received=-record.received,
                accepted=-record.accepted,
                rejected=-record.rejected,
                reverses_id=record.id,
            )
        )
        delta = -record.accepted
    else:
        session.add(
            models.Dispatch(
                client_key=f"d{next(KEYS)}",
                depot_id=record.depot_id,
                item=record.item,
                grouping=record.grouping,
                day=record.day,
                quantity=-record.quantity,
                reverses_id=record.id,
            )
        )
        delta = record.quantity
    session.flush()
    logistics_repository.change_stock(
        session=session, depot_id=record.depot_id, item=record.item, delta=delta
    )


def planner_scope(session: Session) -> Scope:
    """A planner of a ministry, as a scope."""
    ministry = auth_service.add_organisation(
        session=session, name="Ministry", kind=models.OrganisationKind.ministry
    )
    planner = auth_service.add_user(
        session=session,
        email="planner@ministry.test",
        password="books-planner-password",
        role=models.Role.planner,
        organisation="Ministry",
    )
    return Scope(user_id=planner.id, role=models.Role.planner, organisation_id=ministry.id)


def approved_books(session: Session) -> Books:
    """BOOKS imported, RUN written, approved (three firm months) and signed, the depots made;
    no ledger yet."""
    import json

    instance = books_instance()
    import_instance(session=session, instance=instance)
    scope = planner_scope(session)
    run = models.PlanRun(
        instance=json.dumps(dump_instance(instance)),
        options={"mode": "lp"},
        status=models.PlanRunStatus.finished,
        solve_status="optimal",
        cost=1.0,
        progress=1.0,
    )
    session.add(run)
    session.flush()
    for line, producer, item, price, quantity in RUN_LINES:
        session.add_all(
            models.PlanRunDelivery(
                run_id=run.id,
                line=line,
                producer=producer,
                item=item,
                month=month,
                quantity=quantity,
                price=price,
                value=quantity * price,
            )
            for month in range(6)
        )
    session.add_all(
        models.PlanRunPayment(
            run_id=run.id, fund=fund, line=line, expansion=expansion, year=year, amount=amount
        )
        for fund, line, expansion, year, amount in RUN_PAYMENTS
    )
    session.add(
        models.PlanRunExpansion(
            run_id=run.id, expansion="e1", line="l1", level=1.0, capex=1000.0, active_from=3
        )
    )
    session.flush()
    books = Books(planner=scope, run_id=run.id)
    summary = contracts_service.approve_run(
        session=session, scope=scope, run_id=run.id, firm_months=3
    )
    for made in summary.contracts:
        books.contracts[made.line] = made.id
        contracts_service.sign_contract(
            session=session, scope=scope, contract_id=made.id, version=1
        )
    for made in summary.guarantees:
        books.guarantees[made.line] = made.id
        contracts_service.sign_guarantee(
            session=session, scope=scope, guarantee_id=made.id, version=1
        )
    extra = models.Guarantee(
        number="G-x",
        producer="p3",
        line="l3",
        item="shell",
        quantity=25,
        price=12,
        start="2026-11",
        end="2026-12",
        status=models.GuaranteeStatus.signed,
    )
    session.add(extra)
    session.flush()
    books.guarantees["x"] = extra.id
    for code in ("d-1", "d-2"):
        made = logistics_service.create_depot(
            session=session, scope=scope, body=DepotCreate(code=code, name=f"Depot {code}")
        )
        books.depots[code] = made.id
    # The depots came after the approval: a planner routes every contract to both (decision 0010).
    for contract_id in books.contracts.values():
        contract = session.get(models.Contract, contract_id)
        assert contract is not None
        contracts_service.set_contract_delivery_points(
            session=session,
            scope=scope,
            contract_id=contract_id,
            body=DeliveryPointsUpdate(version=contract.version, depots=list(books.depots)),
        )
    return books


def recorded_books(session: Session) -> Books:
    """BOOKS with the whole ledger above, the completion and the terminations."""
    books = approved_books(session)
    receive(session, books, "d-1", "l1", date(2026, 9, 20), 100, rejected=5)
    dispatch(session, books, "d-1", "shell", "g-east", date(2026, 9, 22), 100)
    receive(session, books, "d-1", "l2", date(2026, 9, 25), 50)
    receive(session, books, "d-2", "l3", date(2026, 9, 30), 60)
    receive(session, books, "d-1", "l1", date(2026, 10, 15), 100)
    receive(session, books, "d-1", "l2", date(2026, 10, 20), 40)
    wrong = receive(session, books, "d-1", "l2", date(2026, 10, 21), 10)
    reverse(session, wrong)
    dispatch(session, books, "d-1", "fpv", "g-south", date(2026, 10, 25), 60)
    receive(session, books, "d-2", "l3", date(2026, 11, 5), 50)
    receive(session, books, "d-2", "l1", date(2026, 11, 10), 100)
    dispatch(session, books, "d-2", "shell", "g-east", date(2026, 11, 12), 200)
    sent = dispatch(session, books, "d-1", "fpv", "g-south", date(2026, 12, 1), 20)
    reverse(session, sent)
    receive(session, books, "d-2", "l3", date(2026, 12, 3), 30)
    dispatch(session, books, "d-1", "shell", "g-east", date(2026, 12, 4), 80)
    dispatch(session, books, "d-2", "shell", "g-south", date(2026, 12, 4), 20)
    dispatch(session, books, "d-1", "shell", "g-east", date(2026, 12, 6), 10)
    scope = books.planner
    version = _version(session, books.contracts["l1"])
    contracts_service.complete_contract(
        session=session, scope=scope, contract_id=books.contracts["l1"], version=version
    )
    version = _version(session, books.contracts["l2"])
    contracts_service.terminate_contract(
        session=session,
        scope=scope,
        contract_id=books.contracts["l2"],
        version=version,
        reason="the producer stopped delivering",
    )
    guarantee = session.get(models.Guarantee, books.guarantees["l2"])
    assert guarantee is not None
    contracts_service.terminate_guarantee(
        session=session,
        scope=scope,
        guarantee_id=guarantee.id,
        version=guarantee.version,
        reason="line l2 lost its contract",
    )
    return books


def _version(session: Session, contract_id: int) -> int:
    version = session.scalar(
        select(models.Contract.version).where(models.Contract.id == contract_id)
    )
    assert version is not None
    return version
