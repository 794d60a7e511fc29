"""A finished run's result tables summed for the pages, once, when the run finishes (the worker
calls `store`) or on first use for a run finished before (`ensure`): the overview and the plan
page of a national run then read a few thousand numbers, not a hundred thousand rows.

The sums are taken over the stored rows the pages read otherwise, so every figure a page shows
from them is the one it would work out from the rows (tests/plans/test_summary.py holds them
equal). They are a full reader's view: a partner's pages still read its own rows.

    allocations: by item, by operation and by grouping, per month: need, served, backlog
    deliveries:  by item and month: quantity, value; by line: quantity
    payments:    by fund and year: amount; by fund and line or expansion: amount
    owners:      each delivering line's producer and item; each expansion's line
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, func, insert, select

from kuznia import models
from kuznia.documents import JsonObject, ResultRow

SUMMARIES: Table = models.PlanRunSummary.__table__  # type: ignore[assignment]
VERSION = 2


def summarise(connection: Connection, *, run_id: int) -> JsonObject:
    """The sums of run `run_id`'s stored result rows (module docstring)."""
    allocation = models.PlanRunAllocation
    delivery = models.PlanRunDelivery
    payment = models.PlanRunPayment

    def allocations_by(column: Any) -> list[list[Any]]:
        rows = connection.execute(
            select(
                column,
                allocation.month,
                func.sum(allocation.need),
                func.sum(allocation.served),
                func.sum(allocation.backlog),
            )
            .where(allocation.run_id == run_id)
            .group_by(column, allocation.month)
            .order_by(column, allocation.month)
        )
        return [[str(k), int(m), float(n), float(s), float(b)] for k, m, n, s, b in rows]

    deliveries = connection.execute(
        select(delivery.item, delivery.month, func.sum(delivery.quantity), func.sum(delivery.value))
        .where(delivery.run_id == run_id)
        .group_by(delivery.item, delivery.month)
        .order_by(delivery.item, delivery.month)
    )
    by_line = connection.execute(
        select(delivery.line, func.sum(delivery.quantity))
        .where(delivery.run_id == run_id)
        .group_by(delivery.line)
        .order_by(delivery.line)
    )
    payments = connection.execute(
        select(payment.fund, payment.year, func.sum(payment.amount))
        .where(payment.run_id == run_id)
        .group_by(payment.fund, payment.year)
        .order_by(payment.fund, payment.year)
    )
    by_target = connection.execute(
        select(payment.fund, payment.line, payment.expansion, func.sum(payment.amount))
        .where(payment.run_id == run_id)
        .group_by(payment.fund, payment.line, payment.expansion)
        .order_by(payment.fund, payment.line, payment.expansion)
    )
    owners = connection.execute(
        select(delivery.line, delivery.producer, delivery.item)
        .where(delivery.run_id == run_id)
        .distinct()
        .order_by(delivery.line)
    )
    expansion = models.PlanRunExpansion
    expansions = connection.execute(
        select(expansion.expansion, expansion.line)
        .where(expansion.run_id == run_id)
        .order_by(expansion.id)
    )
    return {
        "version": VERSION,
        "paid_to": [[f, line, e, float(a)] for f, line, e, a in by_target],
        "line_owners": [[str(line), str(p), str(i)] for line, p, i in owners],
        "expansion_lines": [[str(e), str(line)] for e, line in expansions],
        "allocations": {
            "item": allocations_by(allocation.item),
            "operation": allocations_by(allocation.operation),
            "grouping": allocations_by(allocation.grouping),
        },
        "deliveries": [[str(i), int(m), float(q), float(v)] for i, m, q, v in deliveries],
        "delivered_by_line": {str(line): float(q) for line, q in by_line},
        "payments": [[str(f), int(y), float(a)] for f, y, a in payments],
    }


def store(connection: Connection, *, run_id: int) -> JsonObject:
    """Sum run `run_id`'s result rows and keep the sums (in the caller's transaction)."""
    summary = summarise(connection, run_id=run_id)
    connection.execute(insert(SUMMARIES).values(run_id=run_id, summary=summary))
    return summary


def read(connection: Connection, *, run_id: int) -> JsonObject | None:
    """The kept sums of run `run_id`, or None (not finished with a plan, or finished before
    sums were kept)."""
    found = connection.scalar(select(SUMMARIES.c.summary).where(SUMMARIES.c.run_id == run_id))
    if found is None or found.get("version") != VERSION:
        return None
    summary: JsonObject = found
    return summary


def ensure(connection: Connection, *, run_id: int) -> JsonObject:
    """The kept sums of a finished run, summed and kept now if there are none yet."""
    found = read(connection, run_id=run_id)
    if found is not None:
        return found
    connection.execute(SUMMARIES.delete().where(SUMMARIES.c.run_id == run_id))
    return store(connection, run_id=run_id)


# The summary's rows in the shape the pages' summaries (kuznia.web.summaries) read.
def allocation_rows(summary: JsonObject, by: str) -> list[ResultRow]:
    """Allocation sums per `by` (item, operation or grouping) and month, as result rows."""
    return [
        {by: key, "month": month, "need": need, "served": served, "backlog": backlog}
        for key, month, need, served, backlog in summary["allocations"][by]
    ]


def delivery_rows(summary: JsonObject) -> list[ResultRow]:
    """Delivery sums per item and month, as result rows."""
    return [
        {"item": item, "month": month, "quantity": quantity, "value": value}
        for item, month, quantity, value in summary["deliveries"]
    ]


def payment_rows(summary: JsonObject) -> list[ResultRow]:
    """Payment sums per fund and year, as result rows."""
    return [
        {"fund": fund, "year": year, "amount": amount} for fund, year, amount in summary["payments"]
    ]


def flow_rows(
    summary: JsonObject,
) -> tuple[list[ResultRow], list[ResultRow], list[ResultRow]]:
    """Payments per fund and line or expansion, each line's producer and item, and each
    expansion's line: the rows `kuznia.web.summaries.money_flows` reads."""
    payments = [
        {"fund": fund, "line": line, "expansion": expansion, "amount": amount}
        for fund, line, expansion, amount in summary["paid_to"]
    ]
    owners = [
        {"line": line, "producer": producer, "item": item}
        for line, producer, item in summary["line_owners"]
    ]
    expansions = [{"expansion": e, "line": line} for e, line in summary["expansion_lines"]]
    return payments, owners, expansions
