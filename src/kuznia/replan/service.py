"""The re-plan as a service: the next instance from the actual state and, if asked, a plan
run of it, queued like any other and marked as a re-plan (`kind`, `replan_of`)."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Action, Scope
from kuznia.documents import InstanceDocument
from kuznia.errors import Conflict, FieldProblem, InvalidInput, NotFound
from kuznia.instance import InstanceError, dump_instance
from kuznia.plans.service import run_read
from kuznia.registry import RegistryEmptyError
from kuznia.replan.actuals import approved_runs, next_instance
from kuznia.replan.rolling import RollError
from kuznia.replan.schemas import ReplanCreate, ReplanRead

REPLAN = "replan"


def start_replan(
    *, session: Session, scope: Scope, body: ReplanCreate
) -> tuple[ReplanRead, models.PlanRun | None]:
    """Build the next instance from `body.start` and the actual state (planners); queue its
    plan run when `body.plan`. What was built, and the run queued (None without one)."""
    scope.require("plan_runs", Action.write)
    scope.require("instance", Action.read)
    try:
        replan = next_instance(session=session, start=body.start)
    except RegistryEmptyError as error:
        raise NotFound(str(error)) from None
    except RollError as error:
        message = str(error).removeprefix("start: ")
        raise InvalidInput(str(error), problems=[FieldProblem("start", message)]) from None
    except InstanceError as error:
        shown = "; ".join(str(problem) for problem in error.problems[:5])
        raise Conflict(f"the next instance breaks the format: {shown}") from None
    document = dump_instance(replan.instance)
    run = None
    if body.plan:
        approved = approved_runs(session=session)
        run = models.PlanRun(
            created_by_id=scope.user_id,
            status=models.PlanRunStatus.queued,
            options={"mode": "lp", "time_limit": None, "mip_gap": 1e-4},
            instance=json.dumps(document, ensure_ascii=False, allow_nan=False),
            message="waiting for a worker",
            kind=REPLAN,
            replan_of=approved[-1] if approved else None,
        )
        session.add(run)
        session.flush()
    actuals = replan.actuals
    return ReplanRead(
        start=body.start,
        contracts=len(actuals.contracts),
        guarantees=len(actuals.guarantees),
        expansions_taken=[taken.expansion for taken in actuals.expansions],
        instance=InstanceDocument(document),
        plan_run=run_read(run, scope=scope) if run is not None else None,
    ), run
