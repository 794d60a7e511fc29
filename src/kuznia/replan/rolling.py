"""The rolling re-plan: the next instance from the plan's instance and what actually happened.

`roll_forward(instance, actuals)` moves the horizon's start to `actuals.start` and keeps its end:

- per-month lists (capacity, price) lose the months that have passed; lead times and expansion
  starts count from the new start (an expansion option not yet taken stays open, with its full
  delay);
- needs of the months that passed and were not met become needs of the new first month
  (late is better than never): a past need class's quantity less what was dispatched to its
  grouping, dispatches of an item to a grouping serving its classes highest priority first;
- foreign supply of the months that passed is dropped;
- what was dispatched (up to the re-plan day, this month included) is credited against the
  needs of its item and grouping, earliest month first (past months' needs, owed in month 0,
  first), then highest priority, then the heavier operation;
- stock is what the depots hold (when the actuals know any depot), else the instance's;
- expansions an approved plan chose are decisions taken: their added capacity (times the level
  chosen) is folded into the line's capacity from the month it was approved to count, and the
  expansion leaves the options (never re-chosen, never paid again; its capex is in `spent`);
- signed contracts are commitments: their remaining schedule, plus arrears (scheduled before the
  new start and not accepted) in the first month. Commitments above a line's capacity move to
  the next months with room; what no month can make stays where it was due, so the solve names
  that one conflict. Contracts replace the instance's own commitments for their lines;
- a signed guarantee is a window commitment (INSTANCE.md): what remains of its total (less what
  was bought against it) over what remains of its window; one whose window is over is dropped;
- fund budgets lose what was already paid in each year (deliveries and capex).

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
    """A signed purchase guarantee on a line: at least `quantity` over `start`..`end`
    (YYYY-MM, inclusive), of which `bought` was bought already."""

    line: str
    quantity: float
    start: str
    end: str
    bought: float = 0.0

    @property
    def remaining(self) -> float:
        """What is still to be bought of its total."""
        return max(0.0, self.quantity - self.bought)


@dataclass(frozen=True)
class Taken:
    """An expansion an approved plan chose: `added` capacity a month (its added capacity
    times the level chosen) on `line` from `active` (YYYY-MM) on."""

    expansion: str
    line: str
    added: float
    active: str


@dataclass(frozen=True)
class Actuals:
    """The state of execution at the new start."""

    start: str
    # Accepted stock per item at the depots; None when no depot has reported anything.
    stock: Mapping[str, float] | None = None
    contracts: Sequence[Scheduled] = ()
    guarantees: Sequence[Guaranteed] = ()
    # Dispatched per (item, grouping) up to the re-plan day.
    dispatched: Mapping[tuple[str, str], float] = field(default_factory=dict)
    # Paid per (fund, year): accepted deliveries and the capex of expansions taken.
    spent: Mapping[tuple[str, int], float] = field(default_factory=dict)
    # Expansions approved plans chose.
    expansions: Sequence[Taken] = ()


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
    _fold_expansions(document, actuals, months)
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
    capacity = {line["id"]: line["capacity"] for line in document["lines"]}
    document["commitments"] = _commitments(document, capacity, actuals, shift, months)
    for fund in document.get("funds", []):
        budget = fund.get("budget", {})
        for (fund_id, year), amount in actuals.spent.items():
            if fund_id == fund["id"] and str(year) in budget:
                budget[str(year)] = _number(max(0.0, budget[str(year)] - amount))
    return parse_instance(document)


def _fold_expansions(document: dict[str, Any], actuals: Actuals, months: int) -> None:
    """Expansions taken become capacity of their lines from their active month (month 0 if it
    has passed) and leave the options."""
    taken = [t for t in actuals.expansions if t.added > 0]
    if not taken:
        return
    lines = {line["id"]: line for line in document["lines"]}
    for expansion in taken:
        line = lines.get(expansion.line)
        if line is None:
            continue
        capacity = line["capacity"]
        if not isinstance(capacity, list):
            capacity = [capacity] * months
        first = max(0, months_between(actuals.start, expansion.active))
        line["capacity"] = [
            _number(value + expansion.added) if index >= first else value
            for index, value in enumerate(capacity)
        ]
    chosen = {t.expansion for t in actuals.expansions}
    document["expansions"] = [e for e in document.get("expansions", []) if e["id"] not in chosen]


def _needs(
    needs: list[dict[str, Any]],
    shift: int,
    dispatched: Mapping[tuple[str, str], float],
    instance: Instance,
) -> list[dict[str, Any]]:
    """What is still owed of past months' needs (in month 0), then the needs of the remaining
    months, less what was dispatched: past needs first, highest priority first across them,
    then the remaining months in order (by priority and operation weight in each month)."""
    # (month in the new horizon, -1 for past months), item, grouping, priority, operation
    owed: dict[tuple[int, str, str, int, str], float] = defaultdict(float)
    for need in needs:
        month = need["month"] - shift if need["month"] >= shift else -1
        key = (month, need["item"], need["grouping"], need.get("priority", 1), need["operation"])
        owed[key] += need["quantity"]
    weights = instance.operation_weights.model_dump()
    served = dict(dispatched)
    # The order the plan itself serves them in.
    for key in sorted(owed, key=lambda k: (k[0], k[3], -weights[k[4]], k[1], k[2])):
        item, grouping = key[1], key[2]
        used = min(owed[key], served.get((item, grouping), 0.0))
        if used > 0:
            served[(item, grouping)] -= used
            owed[key] -= used
    arrears: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    for (month, item, grouping, priority, operation), quantity in owed.items():
        # A remaining month's need stays even at 0 (as the instance has it); arrears only if owed.
        if quantity > 1e-9 or month >= 0:
            (arrears if month < 0 else kept).append(
                {
                    "item": item,
                    "grouping": grouping,
                    "month": max(0, month),
                    "quantity": _number(quantity),
                    "operation": operation,
                    "priority": priority,
                }
            )
    return arrears + kept


def _commitments(
    document: dict[str, Any],
    capacity: Mapping[str, Any],
    actuals: Actuals,
    shift: int,
    months: int,
) -> list[dict[str, Any]]:
    """Commitments: the instance's own for lines without contracts, the contracts' remaining
    schedules and arrears per month, and the guarantees' windows."""
    committed: dict[str, list[float]] = defaultdict(lambda: [0.0] * months)
    windows: list[dict[str, Any]] = []
    contracted = {contract.line for contract in actuals.contracts}
    for record in document.get("commitments", []):
        if record["line"] in contracted:
            continue
        if record.get("month") is not None:
            if record["month"] >= shift:
                committed[record["line"]][record["month"] - shift] += record["quantity"]
        elif record["to"] >= shift:
            windows.append(
                record | {"from": max(0, record["from"] - shift), "to": record["to"] - shift}
            )
    for contract in actuals.contracts:
        _add_contract(committed[contract.line], contract, actuals.start)
    windows += _guarantee_windows(actuals, months)
    records: list[dict[str, Any]] = []
    for line, schedule in sorted(committed.items()):
        made = _within_capacity(schedule, capacity[line])
        for index, quantity in enumerate(made):
            if quantity > 1e-9:
                records.append({"line": line, "month": index, "quantity": _number(quantity)})
    return records + windows


def _add_contract(schedule: list[float], contract: Scheduled, start: str) -> None:
    """Adds a contract's arrears to the first month of `schedule` and its coming months to
    theirs, less what was accepted beyond the past schedule."""
    months = len(schedule)
    owed_before = sum(
        quantity for month, quantity in contract.months.items() if months_between(start, month) < 0
    )
    schedule[0] += max(0.0, owed_before - contract.accepted)
    # What was accepted beyond the past schedule counts against the coming months.
    ahead = max(0.0, contract.accepted - owed_before)
    for month, quantity in sorted(contract.months.items()):
        index = months_between(start, month)
        if 0 <= index < months:
            taken = min(ahead, quantity)
            ahead -= taken
            schedule[index] += quantity - taken


def _guarantee_windows(actuals: Actuals, months: int) -> list[dict[str, Any]]:
    """The guarantees' remaining quantities as window commitments within the horizon."""
    windows = []
    for guarantee in actuals.guarantees:
        first = max(0, months_between(actuals.start, guarantee.start))
        last = min(months - 1, months_between(actuals.start, guarantee.end))
        if last < first or guarantee.remaining <= 1e-9:
            continue
        windows.append(
            {
                "line": guarantee.line,
                "from": first,
                "to": last,
                "quantity": _number(guarantee.remaining),
            }
        )
    return windows


def _within_capacity(schedule: list[float], capacity: Any) -> list[float]:
    """Move what a month cannot make to the next months with room. What no later month can
    make stays in the months it was due (so the solve names those months, and only them)."""
    limits = (
        [float(value) for value in capacity]
        if isinstance(capacity, list)
        else [float(capacity)] * len(schedule)
    )
    result, carry, overflow = [], 0.0, []
    for want, limit in zip(schedule, limits, strict=True):
        total = want + carry
        made = min(total, limit)
        result.append(made)
        carry = total - made
        overflow.append(max(0.0, want - limit) if carry > 1e-9 else 0.0)
    if carry > 1e-9:
        # Put back what cannot be made anywhere where it was due, latest first.
        for index in reversed(range(len(schedule))):
            back = min(carry, overflow[index])
            result[index] += back
            carry -= back
        result[-1] += carry
    return result


def _number(value: float) -> int | float:
    """A whole number as an int (so files stay readable), else the float."""
    rounded = round(value, 6)
    return int(rounded) if float(rounded).is_integer() else rounded
