"""National targets: planners set them, planners and auditors read them, and the tracking
report sets each against the approved plan and the actual accepted output.

The rules of the report (`target_report`), per target and per month of its span (from its
base month, or its period's first month when it has none, to its period's last month):

- **target**: a quantity is for the whole period, spread evenly over its months; a multiple
  means each month of the period should make `multiple` x the base month's output. The base
  month's output is what the depots accepted in it, once the month is over (as of the report's
  day) and something was accepted; until then it is the approved plan's output of that month.
  A base month that neither made nor plans anything gives no target (reason `no_base_output`).
- **plan**: the approved plan is the contracts' current schedules for the target's category
  (or item) in the month: contracts that are draft (approved, not yet signed), signed, in
  delivery or completed, and terminated ones for the months up to the month they ended.
- **actual**: receipts accepted at any depot in the month, up to the report's day, reversals
  netted (a reversal carries the day of the receipt it corrects).
- **growth**: a month's actual over the base month's actual (none without a base month or
  when the base month accepted nothing).
- **status**: off track when the plan over the period is short of the target ("plan short of
  target"), or when what was accepted over the span so far is short of what the plan had due
  by the report's day ("execution short of plan": the months before the day's month in full,
  that month pro rata by day, as plan versus actual counts it); on track otherwise.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from kuznia.auth.permissions import Action, Scope
from kuznia.errors import FieldProblem, InvalidInput, NotFound, ensure_version
from kuznia.instance.errors import MISSING, UNKNOWN_REFERENCE
from kuznia.instance.months import add_months, first_day, last_day, month_of, months_between
from kuznia.logistics.reports import share_due
from kuznia.models import ContractStatus, Target
from kuznia.models.base import as_utc
from kuznia.pagination import PageParams
from kuznia.targets import repository
from kuznia.targets.schemas import (
    BaseSource,
    ReasonKind,
    TargetContract,
    TargetCreate,
    TargetFilters,
    TargetMonth,
    TargetProgress,
    TargetRead,
    TargetReason,
    TargetReport,
    TargetSummary,
    TargetUpdate,
)

RESOURCE = "targets"
# Sums of floating-point schedules and receipts this close count as equal.
TOLERANCE = 1e-6
# Years a plan can speak of; a base month at most MAX_SPAN months before its period.
_MONTH = re.compile(r"^((?:19|20|21)\d{2})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^((?:19|20|21)\d{2})-Q([1-4])$")
MAX_SPAN = 120

# Kinds of a target's problems (`FieldProblem.kind`, with the values they name), besides the
# instance's MISSING and UNKNOWN_REFERENCE, for readers that word them (the web).
ITEM_NOT_IN_CATEGORY = "item_not_in_category"  # item, category, its_category
NOT_A_PERIOD = "not_a_period"  # value
NOT_A_MONTH = "not_a_month"  # value
BASE_NOT_BEFORE_PERIOD = "base_not_before_period"  # value, first
BASE_TOO_EARLY = "base_too_early"  # value, span, first
NO_QUANTITY = "no_quantity"
QUANTITY_AND_MULTIPLE = "quantity_and_multiple"
MULTIPLE_WITHOUT_BASE = "multiple_without_base"
PROBLEM_KINDS = (
    ITEM_NOT_IN_CATEGORY,
    NOT_A_PERIOD,
    NOT_A_MONTH,
    BASE_NOT_BEFORE_PERIOD,
    BASE_TOO_EARLY,
    NO_QUANTITY,
    QUANTITY_AND_MULTIPLE,
    MULTIPLE_WITHOUT_BASE,
)
# Contracts whose whole schedule is the approved plan; a terminated one counts to its end.
_PLANNED = frozenset(
    {
        ContractStatus.draft,
        ContractStatus.signed,
        ContractStatus.in_delivery,
        ContractStatus.completed,
    }
)
FIELDS = ("category", "item", "period", "quantity", "multiple", "base_month", "note")


# --- periods -----------------------------------------------------------------------------------


def period_months(period: str) -> list[str]:
    """The months (YYYY-MM) of a period: a month itself, or a quarter's three."""
    quarter = _QUARTER.match(period)
    if quarter is not None:
        first = f"{quarter.group(1)}-{3 * int(quarter.group(2)) - 2:02d}"
        return [add_months(first, step) for step in range(3)]
    if _MONTH.match(period) is None:
        raise ValueError(
            f'a period is a month (YYYY-MM) or a quarter (YYYY-Qn) of 1900-2199, got "{period}"'
        )
    return [period]


def span_of(target: Target) -> list[str]:
    """The months a target is tracked over: from its base month (or its period's first) to
    its period's last."""
    months = period_months(target.period)
    first = target.base_month or months[0]
    return [add_months(first, step) for step in range(months_between(first, months[-1]) + 1)]


# --- records -----------------------------------------------------------------------------------


def list_targets(
    *, session: Session, scope: Scope, filters: TargetFilters, page: PageParams | None = None
) -> tuple[list[TargetRead], int]:
    """A page of the targets, by category and period, and how many match."""
    scope.require(RESOURCE, Action.read)
    rows, total = repository.list_targets(session=session, filters=filters, page=page)
    return [target_read(row) for row in rows], total


def get_target(*, session: Session, scope: Scope, target_id: int) -> TargetRead:
    """One target."""
    scope.require(RESOURCE, Action.read)
    return target_read(_target(session, target_id))


def create_target(*, session: Session, scope: Scope, body: TargetCreate) -> TargetRead:
    """Add a target (planners); every bad field is named at once."""
    scope.require(RESOURCE, Action.write)
    fields = body.model_dump()
    _check(session, fields)
    target = Target(**fields, created_by_id=scope.user_id or None)
    session.add(target)
    session.flush()
    return target_read(target)


def update_target(
    *, session: Session, scope: Scope, target_id: int, body: TargetUpdate
) -> TargetRead:
    """Change a target, made on the version read (a stale version changes nothing)."""
    scope.require(RESOURCE, Action.write)
    target = _target(session, target_id)
    changes = body.model_dump(exclude_unset=True)
    ensure_version(current=target.version, given=changes.pop("version"), what=f"target {target_id}")
    for name in ("category", "period", "note"):
        if name in changes and changes[name] is None:
            raise InvalidInput(
                f"target {target_id}: {name} cannot be null",
                problems=[FieldProblem(name, "cannot be null", kind=MISSING)],
            )
    # Giving a quantity drops the multiple, and the reverse, unless both are given.
    if changes.get("quantity") is not None and "multiple" not in changes:
        changes["multiple"] = None
    if changes.get("multiple") is not None and "quantity" not in changes:
        changes["quantity"] = None
    fields = {name: changes.get(name, getattr(target, name)) for name in FIELDS}
    _check(session, fields)
    for name, value in fields.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
    session.flush()
    return target_read(target)


def delete_target(*, session: Session, scope: Scope, target_id: int) -> None:
    """Remove a target (planners); the audit chain keeps what it was."""
    scope.require(RESOURCE, Action.write)
    session.delete(_target(session, target_id))
    session.flush()


def categories(*, session: Session, scope: Scope) -> dict[str, list[str]]:
    """The registry's categories, each with its items' codes: what a target can name."""
    scope.require(RESOURCE, Action.read)
    found: dict[str, list[str]] = defaultdict(list)
    for item, category in sorted(repository.item_categories(session=session).items()):
        found[category].append(item)
    return dict(sorted(found.items()))


def target_read(target: Target) -> TargetRead:
    """A target as the API shows it."""
    return TargetRead(
        id=target.id,
        category=target.category,
        item=target.item,
        period=target.period,
        quantity=target.quantity,
        multiple=target.multiple,
        base_month=target.base_month,
        note=target.note,
        version=target.version,
        created_at=as_utc(target.created_at),
    )


def _target(session: Session, target_id: int) -> Target:
    target = repository.get_target(session=session, target_id=target_id)
    if target is None:
        raise NotFound(f"target {target_id} not found")
    return target


def _what_problems(fields: dict[str, Any], known: dict[str, str]) -> list[FieldProblem]:
    """The category (required, known) and the item (known, in that category); no item is None."""
    problems: list[FieldProblem] = []
    category, item = fields.get("category"), fields.get("item")
    if not category:
        problems.append(FieldProblem("category", "required", kind=MISSING))
    elif category not in set(known.values()):
        listed = ", ".join(sorted(set(known.values()))) or "none"
        problems.append(
            FieldProblem(
                "category",
                f'unknown category "{category}"; the registry\'s items have: {listed}',
                kind=UNKNOWN_REFERENCE,
                params={"noun": "category", "value": category},
            )
        )
    if item:
        if item not in known:
            problems.append(
                FieldProblem(
                    "item",
                    f'unknown item "{item}"',
                    kind=UNKNOWN_REFERENCE,
                    params={"noun": "item", "value": item},
                )
            )
        elif category in set(known.values()) and known[item] != category:
            problems.append(
                FieldProblem(
                    "item",
                    f'item "{item}" is in category "{known[item]}", not "{category}"',
                    kind=ITEM_NOT_IN_CATEGORY,
                    params={"item": item, "category": category, "its_category": known[item]},
                )
            )
    else:
        fields["item"] = None
    return problems


def _when_problems(fields: dict[str, Any]) -> list[FieldProblem]:
    """The period, and the base month (YYYY-MM, before the period, within reach); no base
    month is None."""
    problems: list[FieldProblem] = []
    period, base = fields.get("period") or "", fields.get("base_month")
    first = None
    try:
        first = period_months(period)[0]
    except ValueError as error:
        problems.append(
            FieldProblem("period", str(error), kind=NOT_A_PERIOD, params={"value": period})
        )
    if not base:
        fields["base_month"] = None
    elif _MONTH.match(base) is None:
        problems.append(
            FieldProblem(
                "base_month",
                f'a month is written YYYY-MM (1900-2199), got "{base}"',
                kind=NOT_A_MONTH,
                params={"value": base},
            )
        )
    elif first is not None and base >= first:
        problems.append(
            FieldProblem(
                "base_month",
                f'"{base}" is not before the period\'s first month {first}',
                kind=BASE_NOT_BEFORE_PERIOD,
                params={"value": base, "first": first},
            )
        )
    elif first is not None and months_between(base, first) > MAX_SPAN:
        problems.append(
            FieldProblem(
                "base_month",
                f'"{base}" is more than {MAX_SPAN} months before {first}',
                kind=BASE_TOO_EARLY,
                params={"value": base, "span": MAX_SPAN, "first": first},
            )
        )
    return problems


def _how_many_problems(fields: dict[str, Any]) -> list[FieldProblem]:
    """A quantity, or a multiple of the base month: one of them."""
    quantity, multiple = fields.get("quantity"), fields.get("multiple")
    if quantity is None and multiple is None:
        message = "give a quantity, or a multiple and a base month"
        return [FieldProblem("quantity", message, kind=NO_QUANTITY)]
    if quantity is not None and multiple is not None:
        message = "give a quantity or a multiple, not both"
        return [FieldProblem("multiple", message, kind=QUANTITY_AND_MULTIPLE)]
    if multiple is not None and not fields.get("base_month"):
        message = "a multiple needs the base month it multiplies"
        return [FieldProblem("base_month", message, kind=MULTIPLE_WITHOUT_BASE)]
    return []


def _check(session: Session, fields: dict[str, Any]) -> None:
    """Raise InvalidInput naming every field that breaks a target's rules."""
    known = repository.item_categories(session=session)
    problems = [
        *_what_problems(fields, known),
        *_when_problems(fields),
        *_how_many_problems(fields),
    ]
    if problems:
        raise InvalidInput(
            "; ".join(f"{problem.field}: {problem.message}" for problem in problems),
            problems=problems,
        )


# --- the tracking report -----------------------------------------------------------------------


def target_report(
    *, session: Session, scope: Scope, as_of: date, category: str | None = None
) -> TargetReport:
    """Every target (or a category's) against the approved plan and the accepted output, per
    month of its span, with its status and the numbers behind it (the module's rules)."""
    scope.require(RESOURCE, Action.read)
    targets, _ = repository.list_targets(
        session=session, filters=TargetFilters(category=category), page=None
    )
    known = repository.item_categories(session=session)
    progress = [_progress(session, target, known, as_of) for target in targets]
    return TargetReport(
        as_of=as_of,
        off_track=sum(1 for row in progress if row.status == "off_track"),
        targets=progress,
    )


def target_summary(*, session: Session, scope: Scope, as_of: date) -> TargetSummary:
    """How many targets there are, how many are off track as of a day, and their categories."""
    return summary_of(target_report(session=session, scope=scope, as_of=as_of))


def summary_of(report: TargetReport) -> TargetSummary:
    """A report's count of targets, how many are off track, and their categories."""
    return TargetSummary(
        count=len(report.targets),
        off_track=report.off_track,
        categories_off_track=sorted(
            {t.category for t in report.targets if t.status == "off_track"}
        ),
    )


def _progress(
    session: Session, target: Target, known: Mapping[str, str], as_of: date
) -> TargetProgress:
    period = period_months(target.period)
    span = span_of(target)
    items = (
        [target.item]
        if target.item
        else sorted(code for code, category in known.items() if category == target.category)
    )
    by_contract = planned(session=session, items=items, months=span)
    accepted_by = accepted(session=session, items=items, months=span, as_of=as_of)
    plan: dict[str, float] = defaultdict(float)
    for row in by_contract.values():
        for month, quantity in row.months.items():
            plan[month] += quantity
    actual: dict[str, float] = defaultdict(float)
    for months_accepted in accepted_by.values():
        for month, quantity in months_accepted.items():
            actual[month] += quantity
    base_output, base_source = _base_output(target.base_month, plan, actual, as_of)
    base_actual = actual.get(target.base_month or "", 0.0)
    per_month: float | None
    if target.quantity is not None:
        per_month = target.quantity / len(period)
    else:
        per_month = None if base_output is None else float(target.multiple or 0) * base_output
    months = [
        TargetMonth(
            month=month,
            target=per_month if month in period else None,
            plan=plan.get(month, 0.0),
            actual=actual.get(month, 0.0),
            growth=actual.get(month, 0.0) / base_actual
            if target.base_month and base_actual > 0
            else None,
        )
        for month in span
    ]
    target_total = None if per_month is None else per_month * len(period)
    plan_total = sum(plan.get(month, 0.0) for month in period)
    actual_total = sum(actual.get(month, 0.0) for month in period)
    plan_to_date = sum(plan.get(month, 0.0) * share_due(month, as_of) for month in span)
    actual_to_date = sum(actual.values())
    reasons: list[TargetReason] = []
    if target_total is None:
        reasons.append(_reason("no_base_output", 0.0, 0.0))
    elif plan_total < target_total - TOLERANCE:
        reasons.append(_reason("plan_short_of_target", target_total, plan_total))
    if actual_to_date < plan_to_date - TOLERANCE:
        reasons.append(_reason("execution_short_of_plan", plan_to_date, actual_to_date))
    return TargetProgress(
        **target_read(target).model_dump(),
        months=months,
        base_output=base_output,
        base_source=base_source,
        target_total=target_total,
        plan_total=plan_total,
        actual_total=actual_total,
        plan_to_date=plan_to_date,
        actual_to_date=actual_to_date,
        status="off_track" if reasons else "on_track",
        reasons=reasons,
        contracts=[
            TargetContract(
                id=row.id,
                number=row.number,
                producer=row.producer,
                item=row.item,
                status=row.status,
                plan=sum(row.months.values()),
                actual=sum(accepted_by.get(contract_id, {}).values()),
            )
            for contract_id, row in sorted(by_contract.items())
        ],
    )


def _reason(kind: ReasonKind, expected: float, got: float) -> TargetReason:
    return TargetReason(kind=kind, expected=expected, got=got, short=expected - got)


def _base_output(
    base_month: str | None, plan: Mapping[str, float], actual: Mapping[str, float], as_of: date
) -> tuple[float | None, BaseSource | None]:
    """The base month's output and where it came from: accepted, once the month is over and
    something was; else the approved plan's; none when neither made nor plans anything."""
    if base_month is None:
        return None, None
    over = month_of(as_of) > base_month
    if over and actual.get(base_month, 0.0) > TOLERANCE:
        return actual[base_month], "actual"
    if plan.get(base_month, 0.0) > TOLERANCE:
        return plan[base_month], "plan"
    return None, None


@dataclass
class PlannedContract:
    """A contract of the approved plan and its scheduled quantity per month."""

    id: int
    number: str
    producer: str
    item: str
    status: str
    months: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))


def planned(*, session: Session, items: list[str], months: list[str]) -> dict[int, PlannedContract]:
    """The approved plan per contract: each contract of these items with its scheduled
    quantity per month (a terminated contract's up to the month it ended)."""
    found: dict[int, PlannedContract] = {}
    for (
        contract_id,
        number,
        producer,
        item,
        status,
        closed_at,
        month,
        quantity,
    ) in repository.scheduled(session=session, items=items, months=months):
        ended = month_of(closed_at) if closed_at is not None else None
        if status in _PLANNED or (
            status == ContractStatus.terminated and ended is not None and month <= ended
        ):
            row = found.setdefault(
                contract_id,
                PlannedContract(contract_id, number, producer, item, str(status)),
            )
            row.months[month] += float(quantity)
    return found


def accepted(
    *, session: Session, items: list[str], months: list[str], as_of: date
) -> dict[int, dict[str, float]]:
    """Accepted output of these items per contract and month, up to and including `as_of`."""
    if not months:
        return {}
    first = first_day(months[0])
    last = min(as_of, last_day(months[-1]))
    found: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for contract_id, day, quantity in repository.accepted_by_day(
        session=session, items=items, first=first, last=last
    ):
        found[contract_id][month_of(day)] += quantity
    return found
