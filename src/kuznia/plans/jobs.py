"""A plan run's analyses in the worker pool: what would close a shortfall (`close`) and money
curves (`curve`). Each is checked when it is asked for (a shortfall that is not there, a fund
not in the snapshot: refused at once, naming the field) and solved by a worker."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Action, Scope
from kuznia.documents import JsonObject
from kuznia.jobs import service as jobs_service
from kuznia.jobs.registry import JobContext, handles
from kuznia.plans import economy, repository, service
from kuznia.plans.economy import MoneyCurveRequest

CLOSE = "close"
CURVE = "curve"
# What "what would close it" may take in a worker: beyond it the answer says time_limit.
CLOSE_SECONDS = 600.0


def start_close(*, session: Session, scope: Scope, run_id: int, number: int) -> models.Job:
    """Queue "what would close the run's `number`-th shortfall" (planners)."""
    scope.require("plan_runs", Action.write)
    repository.shortfall_by_number(session=session, scope=scope, run_id=run_id, number=number)
    return jobs_service.submit(
        session=session, scope=scope, kind=CLOSE, params={"number": number}, plan_run_id=run_id
    )


def start_curve(
    *, session: Session, scope: Scope, run_id: int, body: MoneyCurveRequest
) -> models.Job:
    """Queue a money curve of the run's snapshot (planners)."""
    economy.curve_inputs(session=session, scope=scope, run_id=run_id, body=body)
    return jobs_service.submit(
        session=session, scope=scope, kind=CURVE, params=body.model_dump(), plan_run_id=run_id
    )


def _run_id(context: JobContext) -> int:
    if context.plan_run_id is None:
        raise ValueError(f"job {context.job_id} names no plan run")
    return context.plan_run_id


@handles(CLOSE)
def close(context: JobContext) -> JsonObject:
    """Re-solve the run's snapshot with unlimited money (then capacity) for one shortfall."""
    context.progress(0.05, "solving again with unlimited money for the shortfall")
    with context.session() as session:
        answer = service.close_shortfall(
            session=session,
            scope=context.scope(session),
            run_id=_run_id(context),
            number=int(context.params["number"]),
            time_limit=CLOSE_SECONDS,
        )
    return answer.model_dump(mode="json")


@handles(CURVE)
def curve(context: JobContext) -> JsonObject:
    """Solve the run's snapshot once per step of extra money."""
    body = MoneyCurveRequest.model_validate(context.params)

    def step(done: int, of: int) -> None:
        context.progress(done / of, f"{done} of {of} steps solved")

    context.progress(0.01, f"0 of {body.steps + 1} steps solved")
    with context.session() as session:
        run, instance = economy.curve_inputs(
            session=session, scope=context.scope(session), run_id=_run_id(context), body=body
        )
    return economy.curve_answer(run, instance, body, on_step=step).model_dump(mode="json")
