"""The rolling re-plan: the next instance from the plan's instance and what actually happened.

`roll_forward(instance, actuals)` moves the horizon's start to `actuals.start` and keeps its end:

- per-month lists (capacity, price) lose the months that have passed; lead times and expansion
  starts count from the new start (an expansion option not yet taken stays open, with its full
  delay);
- needs of the months that passed and were not met become needs of the new first month
  (late is better than never): a past need class's quantity less what was dispatched to its
  grouping, dispatches of an item to a grouping serving its classes highest priority first;
- foreign supply of the months that passed is dropped;
- stock is what the depots hold (when the actuals know any depot), else the instance's;
- signed contracts are commitments: their remaining schedule, plus arrears (scheduled before the
  new start and not accepted) in the first month; signed guarantees are commitments of at least
  their quantity, spread evenly over their months that remain. Commitments above a line's
  capacity move to the next months with room (a commitment the line cannot make at all is
  left as it is, and the solve names the conflict). Contracts replace the instance's own
  commitments for their lines;
- fund budgets lose what was already paid in each year.

Pure: no database; `kuznia.replan.actuals` reads the actuals and calls it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kuznia.instance.io import dump_instance, parse_instance
from kuznia.instance.months import months_between
from kuznia.instance.schema import Instance


class RollError(ValueError):
    """The new start is not inside the instance's horizon."""


@dataclass(frozen=True)
class Scheduled:
    """A signed contract's schedule on a line: quantity per month (YYYY-MM) and what was
    accepted of it so far."""

    line: str
    months: Mapping[str, float]
    accepted: float = 0.0


@dataclass(frozen=True)
class Guaranteed:
    """A signed purchase guarantee on a line: at least `quantity` over `start`..`end`."""

    line: str
    quantity: float
    start: str
    end: str


@dataclass(frozen=True)
class Actuals:
    """The state of execution at the new start."""

    start: str
    # Accepted stock per item at the depots; None when no depot has reported anything.
    stock: Mapping[str, float] | None = None
    contracts: Sequence[Scheduled] = ()
    guarantees: Sequence[Guaranteed] = ()
    # Dispatched per (item, grouping) before the new start.
    dispatched: Mapping[tuple[str, str], float] = field(default_factory=dict)
    # Paid per (fund, year) before the new start.
    spent: Mapping[tuple[str, int], float] = field(default_factory=dict)


def roll_forward(instance: Instance, actuals: Actuals) -> Instance:
    """The next instance: the remaining horizon from `actuals.start`, with the actual state."""
    shift = months_between(instance.start, actuals.start)
    if not 0 <= shift < instance.months:
        raise RollError(
            f"start: {actuals.start} is outside the horizon {instance.start} + "
            f"{instance.months} months"
        )
    months = instance.months - shift
    document = dump_instance(instance)
    document["name"] = f"{instance.name}@{actuals.start}"
    document["start"] = actuals.start
    document["months"] = months
    for line in document["lines"]:
        for name in ("capacity", "price"):
            if isinstance(line[name], list):
                line[name] = line[name][shift:]
        if "lead_time" in line:
            line["lead_time"] = max(0, line["lead_time"] - shift)
    for expansion in document.get("expansions", []):
        if "start" in expansion:
            expansion["start"] = max(0, expansion["start"] - shift)
    document["needs"] = _needs(document.get("needs", []), shift, actuals.dispatched, instance)
    document["foreign_supply"] = [
        record | {"month": record["month"] - shift}
        for record in document.get("foreign_supply", [])
        if record["month"] >= shift
    ]
    if actuals.stock is not None:
        document["stock"] = [
            {"item": item, "quantity": _number(quantity)}
            for item, quantity in sorted(actuals.stock.items())
            if quantity > 0
        ]
    document["commitments"] = _commitments(document, instance, actuals, shift, months)
    for fund in document.get("funds", []):
        budget = fund.get("budget", {})
        for (fund_id, year), amount in actuals.spent.items():
            if fund_id == fund["id"] and str(year) in budget:
                budget[str(year)] = _number(max(0.0, budget[str(year)] - amount))
    return parse_instance(document)


def _needs(
    needs: list[dict[str, Any]],
    shift: int,
    dispatched: Mapping[tuple[str, str], float],
    instance: Instance,
) -> list[dict[str, Any]]:
    """Needs of the remaining months, and what is still owed of past months in month 0."""
    kept = [need | {"month": need["month"] - shift} for need in needs if need["month"] >= shift]
    owed: dict[tuple[str, str, int, str], float] = defaultdict(float)
    for need in needs:
        if need["month"] < shift:
            key = (need["item"], need["grouping"], need.get("priority", 1), need["operation"])
            owed[key] += need["quantity"]
    weights = instance.operation_weights.model_dump()
    served = dict(dispatched)
    # Dispatches serve an item's classes in a grouping highest priority first, then the
    # heavier operation: the order the plan itself serves them in.
    for key in sorted(owed, key=lambda k: (k[0], k[1], k[2], -weights[k[3]])):
        item, grouping = key[0], key[1]
        used = min(owed[key], served.get((item, grouping), 0.0))
        served[(item, grouping)] = served.get((item, grouping), 0.0) - used
        owed[key] -= used
    arrears = [
        {
            "item": item,
            "grouping": grouping,
            "month": 0,
            "quantity": _number(quantity),
            "operation": operation,
            "priority": priority,
        }
        for (item, grouping, priority, operation), quantity in owed.items()
        if quantity > 1e-9
    ]
    return arrears + kept


def _commitments(
    document: dict[str, Any],
    instance: Instance,
    actuals: Actuals,
    shift: int,
    months: int,
) -> list[dict[str, Any]]:
    """Commitments per line and month: the instance's own for lines without contracts, the
    contracts' remaining schedules and arrears, and the guarantees' minimums."""
    committed: dict[str, list[float]] = defaultdict(lambda: [0.0] * months)
    contracted = {contract.line for contract in actuals.contracts}
    for record in document.get("commitments", []):
        if record["line"] not in contracted and record["month"] >= shift:
            committed[record["line"]][record["month"] - shift] += record["quantity"]
    for contract in actuals.contracts:
        owed_before = sum(
            quantity
            for month, quantity in contract.months.items()
            if months_between(actuals.start, month) < 0
        )
        arrears = max(0.0, owed_before - contract.accepted)
        schedule = committed[contract.line]
        schedule[0] += arrears
        # What was accepted beyond the past schedule counts against the coming months.
        ahead = max(0.0, contract.accepted - owed_before)
        for month, quantity in sorted(contract.months.items()):
            index = months_between(actuals.start, month)
            if 0 <= index < months:
                taken = min(ahead, quantity)
                ahead -= taken
                schedule[index] += quantity - taken
    for guarantee in actuals.guarantees:
        first = max(0, months_between(actuals.start, guarantee.start))
        last = min(months - 1, months_between(actuals.start, guarantee.end))
        if last < first:
            continue
        share = guarantee.quantity / (last - first + 1)
        for index in range(first, last + 1):
            committed[guarantee.line][index] += share
    capacity = {line.id: line.capacity for line in instance.lines}
    records = []
    for line, schedule in sorted(committed.items()):
        made = _within_capacity(schedule, capacity[line], shift)
        for index, quantity in enumerate(made):
            if quantity > 1e-9:
                records.append({"line": line, "month": index, "quantity": _number(quantity)})
    return records


def _within_capacity(schedule: list[float], capacity: Any, shift: int) -> list[float]:
    """Move what a month cannot make to the next months with room; what no month can make
    stays in the last month (the solve then names the conflict)."""
    limits = (
        [float(value) for value in capacity[shift:]]
        if isinstance(capacity, list)
        else [float(capacity)] * len(schedule)
    )
    result, carry = [], 0.0
    for want, limit in zip(schedule, limits, strict=True):
        total = want + carry
        made = min(total, limit)
        result.append(made)
        carry = total - made
    result[-1] += carry
    return result


def _number(value: float) -> int | float:
    """A whole number as an int (so files stay readable), else the float."""
    rounded = round(value, 6)
    return int(rounded) if float(rounded).is_integer() else rounded
