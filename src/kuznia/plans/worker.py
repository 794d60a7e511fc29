"""Solving plan runs in a worker process (`python -m kuznia.worker`): take queued runs one
after the other, solve each from its stored snapshot, write progress as it goes and the
results at the end, until none is left.

A run cancelled meanwhile is not overwritten: every write names the status it expects.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, update

from kuznia import models
from kuznia.audit.chain import set_actor
from kuznia.db import session_scope
from kuznia.documents import JsonObject, ResultRow
from kuznia.instance import Instance, parse_instance
from kuznia.jobs.registry import WORKER
from kuznia.jobs.runner import claim_oldest, claimed_by_me, failure_reference
from kuznia.planning import SolveOptions, plan
from kuznia.planning.curves import tiers_and_cost
from kuznia.planning.jsonable import plain
from kuznia.planning.results import PlanResult
from kuznia.plans import summary
from kuznia.plans.repository import move_run, oldest_queued_run_id, run_snapshot
from kuznia.registry.snapshot import insert_rows

log = logging.getLogger("kuznia.worker")
_RUNNING = models.PlanRunStatus.running
# What a failed run says to its readers (partners included): never the error itself, which may
# carry SQL and its parameters, only a reference to the server log's entry (the web translates
# it, kuznia.web.routes.plans).
FAILED_MESSAGE = "The solve failed; reference {reference}"


class RunCancelled(Exception):
    """The run was cancelled while it was solved: stop, and write nothing more."""


def claim_next(*, engine: Engine) -> int | None:
    """Mark the oldest queued run as this process's and return its id; None if none waits."""

    def claim(run_id: int) -> bool:
        with engine.begin() as connection:
            return move_run(
                connection,
                run_id=run_id,
                expected=[models.PlanRunStatus.queued],
                actor=WORKER,
                **claimed_by_me(),
            )

    return claim_oldest(engine=engine, oldest=oldest_queued_run_id, claim=claim)


def _set(engine: Engine, run_id: int, **values: Any) -> bool:
    """Update a run this worker is solving; False if it is no longer running (cancelled)."""
    with engine.begin() as connection:
        return move_run(connection, run_id=run_id, expected=[_RUNNING], actor=WORKER, **values)


def solve_run(*, engine: Engine, run_id: int) -> None:
    """Solve one claimed run and store its outcome."""
    with engine.connect() as connection:
        text, options = run_snapshot(connection, run_id=run_id)
    instance = parse_instance(text)
    tiers = sorted({need.priority for need in instance.needs})
    stages = ["arrays", "build", *(f"tier:{p}" for p in tiers), "cost", "explain"]
    labels = {
        "arrays": "reading the snapshot",
        "build": "building the model",
        "cost": "minimising cost with the tiers held",
        "explain": "explaining shortfalls",
    }

    reached = [0.0]  # a milp solve passes the tiers twice (bounds, then plan): never back

    def on_progress(stage: str, event: str) -> None:
        if stage not in stages:
            return
        done = stages.index(stage) + (0 if event == "start" else 1)
        label = labels.get(stage) or f"priority tier {stage.split(':')[1]}"
        reached[0] = max(reached[0], min(0.98, done / (len(stages) + 1)))
        if not _set(engine, run_id, progress=reached[0], message=label):
            # cancelled meanwhile: stop at this stage, on whatever machine the solve runs
            raise RunCancelled(f"plan run {run_id} was cancelled")

    solve_options = SolveOptions(
        mode=options.get("mode", "lp"),
        time_limit=options.get("time_limit"),
        mip_gap=options.get("mip_gap", 1e-4),
        measure_explanations=True,  # the pages show them
    )
    robust = options.get("robust")
    if robust:
        result = _robust(
            instance,
            robust,
            solve_options,
            lambda share, label: _set(engine, run_id, progress=min(0.98, share), message=label),
        )
    else:
        result = plan(instance, options=solve_options, on_progress=on_progress)
    without = None
    if instance.export_orders and result.has_plan:
        # The proof that exports take nothing from the troops: the same plan without export
        # orders, solved again (tiers and cost only), stored beside the run's own values.
        _set(engine, run_id, message="solving again without export orders")
        alone = tiers_and_cost(
            instance.model_copy(update={"export_orders": []}), options=solve_options
        )
        without = {
            "status": alone.status.value,
            "cost": plain(alone.cost) if alone.tiers else None,
            "tiers": [
                {
                    "priority": tier.priority,
                    "weighted_unit_months_short": _finite(tier.weighted_unit_months_short),
                    "unit_months_short": _finite(tier.unit_months_short),
                }
                for tier in alone.tiers
            ],
        }
    _store(engine, run_id, result, without=without, regions=_regions(instance))


def _robust(
    instance: Instance, robust: JsonObject, options: SolveOptions, report: Any
) -> PlanResult:
    """The robust plan of the run's option `robust` (scenarios, seed, the check's size and
    seed), its check against the deterministic plan kept in the run's report."""
    from kuznia.planning import PlanInput
    from kuznia.resilience import plan_robust

    seen: list[str] = []

    def on_stage(stage: str, event: str) -> None:
        if event == "start" and stage not in seen:
            seen.append(stage)
            report(min(0.9, 0.1 + 0.1 * len(seen)), "solving the robust plan")

    report(0.05, f"robust plan over {robust['scenarios']} scenarios")
    return plan_robust(
        plan_input=PlanInput.from_instance(instance),
        scenarios=int(robust["scenarios"]),
        seed=int(robust.get("seed", 0)),
        options=replace(options, threads=1),
        check_scenarios=int(robust.get("check_scenarios", 40)),
        check_seed=robust.get("check_seed"),
        on_progress=on_stage,
    )


def _regions(instance: Instance) -> dict[str, str]:
    """The region of each line's producer, by line code."""
    region = {producer.id: producer.region for producer in instance.producers}
    return {line.id: region[line.producer] for line in instance.lines}


def economy_document(result: PlanResult, line_regions: dict[str, str]) -> JsonObject:
    """The result's economy tables as JSON, with `by_fund_region`: each fund's payments by the
    region of the producer paid (where a fund's money lands)."""
    document: JsonObject = result.to_dict()["economy"]
    rows: list[ResultRow] = []
    if len(result.payments):
        paid = result.payments.assign(region=result.payments["line"].map(line_regions))
        grouped = (
            paid.dropna(subset=["region"])
            .groupby(["fund", "region"], as_index=False)["amount"]
            .sum()
            .sort_values(["fund", "amount", "region"], ascending=[True, False, True])
        )
        rows = [
            {"fund": str(r["fund"]), "region": str(r["region"]), "spend": plain(r["amount"])}
            for r in grouped.to_dict("records")
        ]
    return document | {"by_fund_region": rows}


def _store(
    engine: Engine,
    run_id: int,
    result: PlanResult,
    *,
    without: JsonObject | None = None,
    regions: dict[str, str] | None = None,
) -> None:
    """Write the outcome and the result tables in one transaction, unless cancelled meanwhile."""
    document = result.to_dict()
    report = document["report"] | {"conflicts": result.conflicts}
    if "robust" in document:
        report["robust"] = document["robust"]
    has_plan = result.has_plan
    with session_scope(engine) as session:
        set_actor(session, WORKER)
        finished = move_run(
            session,
            run_id=run_id,
            expected=[_RUNNING],
            status=models.PlanRunStatus.finished,
            solve_status=result.status,
            progress=1.0,
            finished_at=datetime.now(UTC),
            message=result.report.message or result.status.value,
            cost=result.cost if has_plan else None,
            coverage=result.coverage if has_plan and not result.allocations.empty else None,
            report=report,
        )
        if not finished:
            return
        # The export stage and the economy: stored whole on the run, kept out of the audit
        # event of its status change (which records the values it moves).
        session.execute(
            update(models.PlanRun)
            .where(models.PlanRun.id == run_id)
            .values(
                exports=_records(result.exports) if has_plan else None,
                surplus=document["surplus"] if has_plan else None,
                economy=economy_document(result, regions or {}) if has_plan else None,
                without_exports=without,
            )
        )
        insert_rows(
            session,
            models.PlanRunTier,
            [
                {
                    "run_id": run_id,
                    "priority": tier.priority,
                    "weighted_unit_months_short": _finite(tier.weighted_unit_months_short),
                    "unit_months_short": _finite(tier.unit_months_short),
                }
                for tier in result.tiers
            ],
        )
        if not has_plan:
            return
        _insert_frame(session, models.PlanRunDelivery, run_id, result.deliveries)
        _insert_frame(session, models.PlanRunPayment, run_id, result.payments)
        _insert_frame(session, models.PlanRunExpansion, run_id, result.expansions)
        allocations = result.allocations
        if not allocations.empty:
            kept = (
                (allocations["need"] > 0)
                | (allocations["served"] > 0)
                | (allocations["backlog"] > 0)
            )
            _insert_frame(session, models.PlanRunAllocation, run_id, allocations[kept])
        insert_rows(
            session,
            models.PlanRunShortfall,
            [
                {"run_id": run_id, **{k: e[k] for k in _SHORTFALL_FIELDS}}
                for e in result.explanations
            ],
        )
        # what the pages show, summed once now (the overview reads it, not the rows)
        summary.store(session.connection(), run_id=run_id)


_SHORTFALL_FIELDS = [
    column.name
    for column in models.PlanRunShortfall.__table__.columns
    if column.name not in ("id", "run_id")
]


def _records(frame: pd.DataFrame) -> list[ResultRow]:
    """A table's rows as plain JSON values."""
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _finite(value: float) -> float:
    return 0.0 if math.isnan(value) else float(value)


def _insert_frame(session: Any, model: type[Any], run_id: int, frame: pd.DataFrame) -> None:
    """Insert a result table's rows, keeping the columns the stored table has."""
    if frame.empty:
        return
    columns = [
        c.name
        for c in model.__table__.columns
        if c.name not in ("id", "run_id") and c.name in frame
    ]
    records = frame[columns].astype(object).where(frame[columns].notna(), None)
    rows = [
        {
            "run_id": run_id,
            **{k: plain(v, digits=None) for k, v in zip(columns, values, strict=True)},
        }
        for values in records.itertuples(index=False, name=None)
    ]
    insert_rows(session, model, rows)


def work(*, engine: Engine) -> int:
    """Solve queued runs until none is left; the number solved."""
    solved = 0
    while (run_id := claim_next(engine=engine)) is not None:
        try:
            solve_run(engine=engine, run_id=run_id)
        except RunCancelled:
            pass
        except Exception:  # a broken run must not take the queue down with it
            reference = failure_reference()
            log.exception("plan run %s failed (reference %s)", run_id, reference)
            _set(
                engine,
                run_id,
                status=models.PlanRunStatus.failed,
                finished_at=datetime.now(UTC),
                message=FAILED_MESSAGE.format(reference=reference),
            )
        solved += 1
    return solved
