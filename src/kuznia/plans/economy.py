"""A finished run's export stage, surplus and economy, and money curves on its snapshot.

Exports and surplus are planners' and auditors' (a partner sees none: what is sold abroad is
the ministry's negotiation). The economy: planners and auditors read it whole; a partner reads
only where its own funds' money lands (`by_fund_region` of its funds).

A money curve re-solves the run's snapshot once per step (`kuznia.planning.curves`): on
`small` a step takes under a second, on `national` some 40 s, so the API queues it as a job
for the worker pool (`kuznia.plans.jobs`) and takes at most MAX_CURVE_STEPS steps;
`kuznia curve` draws longer curves from a file
(docs/decisions/0013-economy-pages-and-money-curves.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.errors import Conflict, FieldProblem, Forbidden, InvalidInput
from kuznia.instance import Instance, parse_stored
from kuznia.planning import SolveOptions
from kuznia.planning.curves import check_curve, money_curve
from kuznia.planning.jsonable import plain
from kuznia.plans import repository

MAX_CURVE_STEPS = 20


class MoneyCurveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    fund: str = Field(min_length=1, max_length=200, description="The fund whose budget grows.")
    year: int = Field(ge=1900, le=2200, description="The calendar year whose budget grows.")
    maximum: float = Field(
        gt=0, le=1e13, description="The most extra money, in the run's currency."
    )
    steps: int = Field(default=10, ge=1, le=MAX_CURVE_STEPS, description="Equal steps.")


def _finished(session: Session, scope: Scope, run_id: int) -> models.PlanRun:
    run = repository.get_run(session=session, scope=scope, run_id=run_id)
    if run.status is not models.PlanRunStatus.finished or run.economy is None:
        raise Conflict(f"plan run {run_id} is {run.status.value} without a plan: no results")
    return run


def _planners_only(scope: Scope, what: str) -> None:
    if scope.require("plan_runs", Action.read) is not Access.all:
        raise Forbidden(f"only planners and auditors read a run's {what}")


def run_exports(*, session: Session, scope: Scope, run_id: int) -> dict[str, Any]:
    """The orders served with their revenue, and the run's tiers and cost beside those of the
    same plan without export orders (None when the snapshot had none)."""
    _planners_only(scope, "exports")
    run = _finished(session, scope, run_id)
    orders = run.exports or []
    without = run.without_exports
    tiers = []
    alone = {t["priority"]: t for t in (without or {}).get("tiers", [])}
    for tier in run.tiers:
        other = alone.get(tier.priority)
        tiers.append(
            {
                "priority": tier.priority,
                "weighted_unit_months_short": tier.weighted_unit_months_short,
                "unit_months_short": tier.unit_months_short,
                "without_exports": other["weighted_unit_months_short"] if other else None,
            }
        )
    return {
        "run": run.id,
        "currency": run.currency,
        "orders": orders,
        "export_revenue": plain(sum(float(o.get("revenue") or 0) for o in orders)),
        "cost": run.cost,
        "cost_without_exports": without.get("cost") if without else None,
        "tiers": tiers,
    }


def run_surplus(*, session: Session, scope: Scope, run_id: int) -> dict[str, Any]:
    """What the plan leaves (after_plan) and what no tier would take even with unlimited funds
    (unconditional), per item and month."""
    _planners_only(scope, "surplus")
    run = _finished(session, scope, run_id)
    return {"run": run.id, "start": run.start, "rows": run.surplus or []}


def run_economy(*, session: Session, scope: Scope, run_id: int) -> dict[str, Any]:
    """Spend, output value, export revenue and jobs by region, ownership, partner country and
    category, and each fund's spend by region; a partner gets its funds' spend by region only."""
    run = _finished(session, scope, run_id)
    economy: dict[str, Any] = dict(run.economy or {})
    if scope.access("plan_runs", Action.read) is Access.own:
        own = set(
            session.scalars(
                select(models.Fund.code).where(models.Fund.id.in_(sorted(scope.fund_ids)))
            )
        )
        economy = {
            "by_fund_region": [
                row for row in economy.get("by_fund_region", []) if row["fund"] in own
            ]
        }
    return {"run": run.id, "currency": run.currency, **economy}


def curve_inputs(
    *, session: Session, scope: Scope, run_id: int, body: MoneyCurveRequest
) -> tuple[models.PlanRun, Instance]:
    """The finished run a money curve is drawn for and its snapshot, once the request is
    known to fit it (planners; else InvalidInput naming the field)."""
    scope.require("plan_runs", Action.write)
    run = _finished(session, scope, run_id)
    instance = parse_stored(run.instance)
    if body.fund not in {fund.id for fund in instance.funds}:
        raise InvalidInput(
            f"fund {body.fund!r} is not in plan run {run_id}",
            problems=[FieldProblem("fund", f"no fund {body.fund!r} in the run's snapshot")],
        )
    try:
        check_curve(
            instance, fund=body.fund, year=body.year, maximum=body.maximum, steps=body.steps
        )
    except ValueError as error:
        raise InvalidInput(str(error), problems=[FieldProblem("year", str(error))]) from None
    return run, instance


def curve_answer(
    run: models.PlanRun,
    instance: Instance,
    body: MoneyCurveRequest,
    *,
    on_step: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The money curve of a run's snapshot, solved now."""
    try:
        table = money_curve(
            instance,
            fund=body.fund,
            year=body.year,
            maximum=body.maximum,
            steps=body.steps,
            options=SolveOptions(mode=run.options.get("mode", "lp")),
            on_step=on_step,
        )
    except ValueError as error:
        raise InvalidInput(str(error), problems=[FieldProblem("year", str(error))]) from None
    rows = [{k: plain(v) for k, v in row.items()} for row in table.to_dict("records")]
    return {
        "run": run.id,
        "fund": body.fund,
        "year": body.year,
        "currency": run.currency,
        "rows": rows,
    }


def run_money_curve(
    *, session: Session, scope: Scope, run_id: int, body: MoneyCurveRequest
) -> dict[str, Any]:
    """Each tier's shortfall with 0..maximum more of a fund's money in a year, solved on the
    run's snapshot in the request (planners); the API queues it as a job instead."""
    run, instance = curve_inputs(session=session, scope=scope, run_id=run_id, body=body)
    return curve_answer(run, instance, body)
