"""Fixtures of the contract tests: the API on VARIED with a user per role (tests/api), and plan
runs finished two ways: solved for real by the worker, or written by hand with results chosen
so that every number of an approval can be worked out on paper.

HANDMADE, on VARIED's horizon (2026-11, 2026-12, 2027-01):

    line l1 (producer p1, art-155):  100, 200, 300 a month at 3,100
        paid 2026: state 620,000 + eu 310,000    2027: state 930,000
    line l2 (producer p2, fpv):      1,000, 1,000, 2,000 at 400, 380, 360
        paid 2026: dk 390,000 + state 390,000     2027: dk 720,000
    expansion e1 on l1: state pays 12,000,000 in 2026 (capex: never part of a contract)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from kuznia import models
from kuznia.db import session_scope
from kuznia.plans import worker
from tests.api.conftest import Api, api, cheap_password_hashes
from tests.db.builders import as_json, varied

__all__ = ["api", "cheap_password_hashes"]

RUNS = "/api/v1/plan-runs"
CONTRACTS = "/api/v1/contracts"
GUARANTEES = "/api/v1/guarantees"

# (line, producer, item, month, quantity, price)
HANDMADE_DELIVERIES = [
    ("l1", "p1", "art-155", 0, 100.0, 3100.0),
    ("l1", "p1", "art-155", 1, 200.0, 3100.0),
    ("l1", "p1", "art-155", 2, 300.0, 3100.0),
    ("l2", "p2", "fpv", 0, 1000.0, 400.0),
    ("l2", "p2", "fpv", 1, 1000.0, 380.0),
    ("l2", "p2", "fpv", 2, 2000.0, 360.0),
]
# (fund, line, expansion, year, amount)
HANDMADE_PAYMENTS = [
    ("state", "l1", None, 2026, 620_000.0),
    ("eu", "l1", None, 2026, 310_000.0),
    ("state", "l1", None, 2027, 930_000.0),
    ("dk", "l2", None, 2026, 390_000.0),
    ("state", "l2", None, 2026, 390_000.0),
    ("dk", "l2", None, 2027, 720_000.0),
    ("state", "l1", "e1", 2026, 12_000_000.0),
]


def finished_run(
    engine: Engine,
    *,
    deliveries: list[tuple[str, str, str, int, float, float]] = HANDMADE_DELIVERIES,
    payments: list[tuple[str, str, str | None, int, float]] = HANDMADE_PAYMENTS,
    status: models.PlanRunStatus = models.PlanRunStatus.finished,
    cost: float | None = 17_890_000.0,
) -> int:
    """A plan run of VARIED with these results, written directly; its id."""
    with session_scope(engine) as session:
        run = models.PlanRun(
            instance=as_json(varied()),
            options={"mode": "lp"},
            status=status,
            solve_status="optimal" if cost is not None else "infeasible",
            cost=cost,
            progress=1.0,
        )
        session.add(run)
        session.flush()
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
            for line, producer, item, month, quantity, price in deliveries
        )
        session.add_all(
            models.PlanRunPayment(
                run_id=run.id, fund=fund, line=line, expansion=expansion, year=year, amount=amount
            )
            for fund, line, expansion, year, amount in payments
        )
        return run.id


def solved_run(api: Api, engine: Engine) -> int:
    """A plan run of VARIED started through the API and solved by the worker, in-process."""
    run = api.post("planner", RUNS, json={"mode": "lp"}).json()
    worker.work(engine=engine)
    assert api.get("planner", f"{RUNS}/{run['id']}").json()["status"] == "finished"
    return int(run["id"])


def approve(api: Api, run_id: int, **body: Any) -> dict[str, Any]:
    """Approve a run as the planner; the summary."""
    response = api.post("planner", f"{RUNS}/{run_id}/approve", json=body)
    assert response.status_code == 201, response.text
    summary: dict[str, Any] = response.json()
    return summary


def contract_of(api: Api, summary: dict[str, Any], line: str) -> dict[str, Any]:
    """The contract the approval made for `line`, read as the planner."""
    (made,) = [c for c in summary["contracts"] if c["line"] == line]
    contract: dict[str, Any] = api.get("planner", f"{CONTRACTS}/{made['id']}").json()
    return contract
