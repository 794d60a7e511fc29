"""The execution reports: the daily report, and plan versus actual as of a day.

Both are computed from the ledger as it stands (corrections included: a reversal carries the
day of the record it corrects), by the day each record is about, so a past day's report is
that day's, as corrected since. Records may be entered late and out of day order: only the
stock now is kept from going negative, not the stock at the end of every past day.

Each caller sees its own part: a section whose records the caller may not read is empty (a
depot's user sees its depots' receipts, dispatches and stock; a producer's user the receipts
and production of its contracts; a partner's user the receipts of contracts its funds pay).

Plan versus actual, per contract (signed, in delivery or completed; its current version):

- scheduled to date: the months before the as-of day's month in full, and that month pro rata
  by day (a schedule of 300 in a 30-day month has 100 due by the 10th);
- late = scheduled to date - accepted to date, when positive;
- left = the whole schedule - accepted to date, when positive;
- projected total (open contracts only: signed or in delivery, `models.OPEN_FOR_DELIVERY`):
  what the pace kept since the schedule began (what is done, the larger of produced and
  accepted, over the days elapsed) reaches by the end of its last month, never more than the
  whole schedule (what is accepted plus what is left). A completed or terminated contract projects nothing (None): its
  deliveries are over;
- at risk: an open contract whose projected total falls short of its whole schedule. A
  contract whose schedule has not begun, or that is fully accepted, is not at risk. The pace
  is a straight line: a schedule that ramps up shows as at risk until output picks up, a
  warning meant to be early;
- accepted above produced: what the depots accepted beyond what the producer reported making
  (0 when not), flagged: either the producer's reports are late, or a receipt is wrong.

Per need class (item, grouping, priority, operation) of a plan run (the given one, or the
newest run a contract in force was approved from): what the run serves the class, scheduled to
date the same way (a run's month m is m months after its first month), against what was
dispatched to the grouping. Dispatches of an item to a grouping are shared among its classes
in priority order (1 first; within a priority defensive, offensive, stabilisation): each class
up to what is due to date, then up to its whole allocation; the rest is shown on a row without
priority (dispatched beyond the plan). Only callers who read everything (planners, auditors)
see need classes: what the troops need is theirs to know.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from kuznia.auth.permissions import Access, Action, Scope
from kuznia.errors import NotFound
from kuznia.instance.months import add_months, first_day, last_day, month_number, year_of
from kuznia.instance.vocabulary import OPERATIONS
from kuznia.logistics import repository
from kuznia.logistics.schemas import (
    ContractProgress,
    DailyForwarded,
    DailyProduced,
    DailyReceived,
    DailyReport,
    DailyStock,
    NeedClassProgress,
    PlanVsActual,
)
from kuznia.models import (
    IN_FORCE,
    OPEN_FOR_DELIVERY,
    Contract,
    PlanRun,
    ProductionReport,
    Receipt,
    Role,
)

OPERATION_ORDER = {operation: order for order, operation in enumerate(OPERATIONS)}
# Quantities this close count as equal (sums of floating-point ledger rows).
TOLERANCE = 1e-9


def daily_report(
    *, session: Session, scope: Scope, day: date, depot: str | None = None
) -> DailyReport:
    """The day at the depots the caller sees (or at one depot): received, accepted and
    rejected per depot and item; production reported per producer and item (not when limited
    to a depot); forwarded per grouping and item; stock per depot and item at the day's end."""
    scope.require("execution_reports", Action.read)
    depot_id = None
    if depot is not None:
        found = repository.depot_by_code(session=session, code=depot)
        own = scope.role is Role.logistics
        if found is None or (own and found.id not in scope.depot_ids):
            raise NotFound(f'depot "{depot}" not found')
        depot_id = found.id
    received = [
        DailyReceived(
            depot=code,
            item=item,
            received=int(received),
            accepted=int(accepted),
            rejected=int(rejected),
        )
        for code, item, received, accepted, rejected in repository.received_on(
            session=session, scope=scope, day=day, depot_id=depot_id
        )
    ]
    produced = (
        []
        if depot_id is not None
        else [
            DailyProduced(producer=producer, item=item, quantity=int(quantity))
            for producer, item, quantity in repository.produced_on(
                session=session, scope=scope, day=day
            )
        ]
    )
    forwarded = [
        DailyForwarded(grouping=grouping, item=item, quantity=int(quantity))
        for grouping, item, quantity in repository.forwarded_on(
            session=session, scope=scope, day=day, depot_id=depot_id
        )
    ]
    stock = repository.stock_at_end_of(session=session, scope=scope, day=day, depot_id=depot_id)
    return DailyReport(
        day=day,
        depot=depot,
        received=received,
        produced=produced,
        forwarded=forwarded,
        stock=[
            DailyStock(depot=code, item=item, quantity=quantity)
            for (code, item), quantity in sorted(stock.items())
        ],
    )


def plan_vs_actual(
    *, session: Session, scope: Scope, as_of: date, plan_run_id: int | None = None
) -> PlanVsActual:
    """Each contract the caller sees against its schedule, and (for planners and auditors)
    each need class of a plan run against what was dispatched to its grouping, as of a day."""
    scope.require("execution_reports", Action.read)
    contracts = repository.contracts_in_force(session=session, scope=scope)
    ids = [contract.id for contract in contracts]
    schedules = repository.schedules(session=session, contract_ids=ids)
    accepted = repository.totals_to_date(
        session=session, model=Receipt, as_of=as_of, contract_ids=ids
    )
    produced = repository.totals_to_date(
        session=session, model=ProductionReport, as_of=as_of, contract_ids=ids
    )
    progress = [
        contract_progress(
            contract,
            schedule=schedules.get(contract.id, []),
            accepted=accepted.get(contract.id, 0.0),
            produced=produced.get(contract.id, 0.0),
            as_of=as_of,
        )
        for contract in contracts
    ]
    run, start, classes = None, None, list[NeedClassProgress]()
    if scope.access("execution_reports", Action.read) is Access.all:
        run = _plan_run(session, plan_run_id)
        if run is not None:
            start = run.start
            classes = need_class_progress(
                allocations=repository.allocations(session=session, run_id=run.id),
                dispatched=repository.dispatched_to_date(session=session, as_of=as_of),
                start=start,
                as_of=as_of,
            )
    return PlanVsActual(
        as_of=as_of,
        plan_run_id=run.id if run is not None else None,
        plan_start=start,
        contracts=progress,
        need_classes=classes,
    )


def _plan_run(session: Session, plan_run_id: int | None) -> PlanRun | None:
    if plan_run_id is not None:
        run = repository.plan_run(session=session, run_id=plan_run_id)
        if run is None:
            raise NotFound(f"plan run {plan_run_id} not found")
        return run
    latest = repository.latest_contracted_run(session=session)
    return None if latest is None else repository.plan_run(session=session, run_id=latest)


# --- the arithmetic ----------------------------------------------------------------------------


def share_due(month: str, as_of: date) -> float:
    """The share of a month's (YYYY-MM) quantity due by the end of `as_of`: all of it for a
    month before as_of's, none for a later one, and in as_of's month its days so far over the
    month's days."""
    year, number = year_of(month), month_number(month)
    if (year, number) < (as_of.year, as_of.month):
        return 1.0
    if (year, number) > (as_of.year, as_of.month):
        return 0.0
    return as_of.day / calendar.monthrange(year, number)[1]


def contract_progress(
    contract: Contract,
    *,
    schedule: list[tuple[str, float]],
    accepted: float,
    produced: float,
    as_of: date,
) -> ContractProgress:
    """One contract against its schedule as of a day (see the module's rules)."""
    total = sum(quantity for _, quantity in schedule)
    due = sum(quantity * share_due(month, as_of) for month, quantity in schedule)
    months = sorted(month for month, _ in schedule)
    first, last = (months[0], months[-1]) if months else (None, None)
    done = max(produced, accepted)
    left = total - accepted if total - accepted > TOLERANCE else 0.0
    is_open = contract.status in OPEN_FOR_DELIVERY
    projected: float | None = total if is_open else None
    at_risk = False
    if is_open and first is not None and last is not None:
        began, ends = first_day(first), last_day(last)
        if as_of >= began:
            elapsed = (as_of - began).days + 1
            remaining_days = max((ends - as_of).days, 0)
            projected = min(done * (elapsed + remaining_days) / elapsed, max(total, accepted))
            at_risk = left > 0 and projected < total - TOLERANCE
    return ContractProgress(
        contract_id=contract.id,
        number=contract.number,
        producer=contract.producer,
        line=contract.line,
        item=contract.item,
        status=contract.status,
        scheduled_total=total,
        scheduled_to_date=due,
        produced_to_date=produced,
        accepted_to_date=accepted,
        late=due - accepted if due - accepted > TOLERANCE else 0.0,
        left=left,
        projected_total=projected,
        at_risk=at_risk,
        accepted_above_produced=accepted - produced if accepted - produced > TOLERANCE else 0.0,
        first_month=first,
        last_month=last,
    )


def one_contract_progress(
    *, session: Session, contract: Contract, as_of: date
) -> ContractProgress | None:
    """One contract against its schedule as of a day (the plan-versus-actual rules), for a
    contract the caller has already read through the contracts service; None for a contract
    not in force."""
    if contract.status not in IN_FORCE:
        return None
    ids = [contract.id]
    schedule = repository.schedules(session=session, contract_ids=ids)
    accepted = repository.totals_to_date(
        session=session, model=Receipt, as_of=as_of, contract_ids=ids
    )
    produced = repository.totals_to_date(
        session=session, model=ProductionReport, as_of=as_of, contract_ids=ids
    )
    return contract_progress(
        contract,
        schedule=schedule.get(contract.id, []),
        accepted=accepted.get(contract.id, 0.0),
        produced=produced.get(contract.id, 0.0),
        as_of=as_of,
    )


def need_class_progress(
    *,
    allocations: list[Any],
    dispatched: dict[tuple[str, str], float],
    start: str,
    as_of: date,
) -> list[NeedClassProgress]:
    """Each need class's allocation (whole run and due to date) against its share of what was
    dispatched to its grouping (shared by priority; see the module's rules)."""
    planned: dict[tuple[str, str, int, str], float] = defaultdict(float)
    due: dict[tuple[str, str, int, str], float] = defaultdict(float)
    for item, grouping, priority, operation, month, served in allocations:
        key = (item, grouping, int(priority), operation)
        planned[key] += float(served)
        due[key] += float(served) * share_due(add_months(start, int(month)), as_of)
    by_destination: dict[tuple[str, str], list[tuple[str, str, int, str]]] = defaultdict(list)
    for key in planned:
        by_destination[(key[0], key[1])].append(key)
    rows: list[NeedClassProgress] = []
    for destination in sorted(set(by_destination) | set(dispatched)):
        classes = sorted(
            by_destination.get(destination, []),
            key=lambda key: (key[2], OPERATION_ORDER.get(key[3], len(OPERATION_ORDER)), key[3]),
        )
        left = dispatched.get(destination, 0.0)
        share = dict.fromkeys(classes, 0.0)
        for limit in (due, planned):
            for key in classes:
                taken = min(max(limit[key] - share[key], 0.0), max(left, 0.0))
                share[key] += taken
                left -= taken
        for key in classes:
            short = due[key] - share[key]
            rows.append(
                NeedClassProgress(
                    item=key[0],
                    grouping=key[1],
                    priority=key[2],
                    operation=key[3],
                    planned_total=planned[key],
                    scheduled_to_date=due[key],
                    dispatched_to_date=share[key],
                    short=short if short > TOLERANCE else 0.0,
                )
            )
        if left > TOLERANCE or (not classes and destination in dispatched):
            rows.append(
                NeedClassProgress(
                    item=destination[0],
                    grouping=destination[1],
                    priority=None,
                    operation=None,
                    planned_total=0.0,
                    scheduled_to_date=0.0,
                    dispatched_to_date=left,
                    short=0.0,
                )
            )
    return rows
