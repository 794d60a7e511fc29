"""Stored scenarios (planners write, auditors read), and the workbench's jobs: a scenario run
against a plan run, a sweep, critical producers. Each job's question is checked when it is
asked (a run without a plan: 409; a scenario naming what the run's snapshot lacks: 422 naming
the change's field), then solved by a worker."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.documents import JsonObject
from kuznia.errors import Conflict, FieldProblem, InvalidInput, NotFound, ensure_version
from kuznia.instance import Instance, parse_stored
from kuznia.instance.errors import Problem
from kuznia.jobs import service as jobs_service
from kuznia.models.base import as_utc
from kuznia.pagination import PageParams
from kuznia.plans import repository as plans_repository
from kuznia.resilience import (
    Scenario,
    ScenarioError,
    SweepInputError,
    SweepSettings,
    check_scenario,
    dump_scenario,
    parse_scenario,
)
from kuznia.workbench import countries, repository
from kuznia.workbench.schemas import (
    CriticalCreate,
    ScenarioRead,
    ScenarioUpdate,
    ScenarioWrite,
    SweepCreate,
)

RESOURCE = "scenarios"
SCENARIO = "scenario"
SWEEP = "sweep"
CRITICAL = "critical"
KINDS = (SCENARIO, SWEEP, CRITICAL)
# The kind of a scenario's problem (`FieldProblem.kind`, not in the API's answer): its name
# is another scenario's (`value`: the name).
NAME_TAKEN = "name_taken"
PROBLEM_KINDS = (NAME_TAKEN,)


# --- stored scenarios --------------------------------------------------------------------------


def scenario_read(scenario: models.Scenario) -> ScenarioRead:
    """A scenario as the API shows it."""
    return ScenarioRead(
        id=scenario.id,
        name=scenario.name,
        description=scenario.description,
        document=scenario.document,
        version=scenario.version,
        created_at=as_utc(scenario.created_at),
    )


def list_scenarios(
    *, session: Session, scope: Scope, page: PageParams | None = None
) -> tuple[list[ScenarioRead], int]:
    """A page of the scenarios, newest first."""
    scope.require(RESOURCE, Action.read)
    rows, total = repository.list_scenarios(session=session, page=page)
    return [scenario_read(row) for row in rows], total


def get_scenario(*, session: Session, scope: Scope, scenario_id: int) -> ScenarioRead:
    """One scenario."""
    scope.require(RESOURCE, Action.read)
    return scenario_read(_scenario(session, scenario_id))


def create_scenario(*, session: Session, scope: Scope, body: ScenarioWrite) -> ScenarioRead:
    """Store a scenario (planners); every problem of the document is named at once."""
    scope.require(RESOURCE, Action.write)
    document = _document(body, session)
    _unique(session, body.name, None)
    scenario = models.Scenario(
        name=body.name,
        description=body.description,
        document=document,
        created_by_id=scope.user_id or None,
    )
    session.add(scenario)
    session.flush()
    return scenario_read(scenario)


def update_scenario(
    *, session: Session, scope: Scope, scenario_id: int, body: ScenarioUpdate
) -> ScenarioRead:
    """Replace a scenario's document, made on the version read."""
    scope.require(RESOURCE, Action.write)
    scenario = _scenario(session, scenario_id)
    ensure_version(current=scenario.version, given=body.version, what=f"scenario {scenario_id}")
    document = _document(body, session)
    _unique(session, body.name, scenario_id)
    scenario.name = body.name
    scenario.description = body.description
    scenario.document = document
    session.flush()
    return scenario_read(scenario)


def delete_scenario(*, session: Session, scope: Scope, scenario_id: int) -> None:
    """Remove a scenario (planners); the audit chain keeps what it was."""
    scope.require(RESOURCE, Action.write)
    session.delete(_scenario(session, scenario_id))
    session.flush()


def supplier_countries(*, session: Session, scope: Scope) -> list[str]:
    """The supplier countries the registry expects foreign supply from, sorted (those a
    foreign shortfall by country may name); none for a caller who may not read it."""
    if scope.access("foreign_supply", Action.read) is Access.none:
        return []
    return repository.supplier_countries(session=session)


def _scenario(session: Session, scenario_id: int) -> models.Scenario:
    scenario = repository.get_scenario(session=session, scenario_id=scenario_id)
    if scenario is None:
        raise NotFound(f"scenario {scenario_id} not found")
    return scenario


def _unique(session: Session, name: str, scenario_id: int | None) -> None:
    other = repository.scenario_named(session=session, name=name)
    if other is not None and other.id != scenario_id:
        raise Conflict(
            f'a scenario named "{name}" exists already (id {other.id})',
            problems=[
                FieldProblem(
                    "name",
                    f'"{name}" is taken by scenario {other.id}',
                    kind=NAME_TAKEN,
                    params={"value": name},
                )
            ],
        )


def _field_problems(problems: list[Problem]) -> list[FieldProblem]:
    return [FieldProblem(problem.path, problem.message) for problem in problems]


def _document(body: ScenarioWrite, session: Session) -> JsonObject:
    """The checked kuznia-scenario/1 document of `body`, foreign shortfalls by supplier
    country resolved against the registry (InvalidInput naming each field)."""
    raw = body.model_dump(exclude={"version"})
    if countries.needs_resolving(raw["changes"]):
        supply = countries.ExpectedSupply(
            rows=repository.expected_foreign_supply(session=session),
            months=repository.horizon_months(session=session),
        )
        raw["changes"] = countries.resolve_countries(raw["changes"], supply)
    try:
        scenario = parse_scenario(raw)
    except ScenarioError as error:
        problems = _field_problems(error.problems)
        raise InvalidInput(
            f"the scenario has {len(problems)} problem(s): {problems[0].field}: "
            f"{problems[0].message}",
            problems=problems,
        ) from None
    return dump_scenario(scenario)


# --- jobs --------------------------------------------------------------------------------------


def finished_snapshot(*, session: Session, scope: Scope, run_id: int) -> Instance:
    """The snapshot of a finished plan run that has a plan (Conflict otherwise)."""
    run = plans_repository.get_run(session=session, scope=scope, run_id=run_id)
    if run.status is not models.PlanRunStatus.finished or run.cost is None:
        raise Conflict(
            f"plan run {run_id} is {run.status.value} without a plan: choose a finished run",
            problems=[FieldProblem("plan_run_id", f"run {run_id} has no plan")],
        )
    return parse_stored(run.instance).model_copy(deep=True)


def scenario_for(
    *, session: Session, scope: Scope, scenario_id: int, instance: Instance
) -> Scenario:
    """The stored scenario, checked against the snapshot (InvalidInput naming each field)."""
    scope.require(RESOURCE, Action.read)
    stored = _scenario(session, scenario_id)
    scenario = parse_scenario(stored.document)
    problems = check_scenario(scenario=scenario, instance=instance)
    if problems:
        fields = _field_problems(problems)
        raise InvalidInput(
            f'scenario "{stored.name}" does not fit the run\'s snapshot: {fields[0].field}: '
            f"{fields[0].message}",
            problems=fields,
        )
    return scenario


def start_scenario_run(
    *, session: Session, scope: Scope, scenario_id: int, run_id: int
) -> models.Job:
    """Queue a scenario run against a finished plan run (planners)."""
    scope.require(RESOURCE, Action.read)
    scope.require("plan_runs", Action.write)
    instance = finished_snapshot(session=session, scope=scope, run_id=run_id)
    scenario_for(session=session, scope=scope, scenario_id=scenario_id, instance=instance)
    return jobs_service.submit(
        session=session,
        scope=scope,
        kind=SCENARIO,
        params={"scenario_id": scenario_id},
        plan_run_id=run_id,
    )


def sweep_settings(body: SweepCreate) -> SweepSettings:
    return SweepSettings(
        strike_probability=body.strike_probability,
        strike_mean_months=body.strike_months,
        foreign_shortfall_mean=body.foreign_shortfall,
        threshold=body.threshold,
    )


def start_sweep(*, session: Session, scope: Scope, body: SweepCreate) -> models.Job:
    """Queue a sweep of a finished plan run's snapshot (planners)."""
    scope.require("plan_runs", Action.write)
    finished_snapshot(session=session, scope=scope, run_id=body.plan_run_id)
    try:
        sweep_settings(body).check()
    except SweepInputError as error:  # pragma: no cover - the schema's ranges come first
        raise InvalidInput(str(error)) from None
    params = body.model_dump(exclude={"plan_run_id"})
    return jobs_service.submit(
        session=session, scope=scope, kind=SWEEP, params=params, plan_run_id=body.plan_run_id
    )


def start_critical(*, session: Session, scope: Scope, body: CriticalCreate) -> models.Job:
    """Queue critical producers and regions of a finished plan run's snapshot (planners)."""
    scope.require("plan_runs", Action.write)
    finished_snapshot(session=session, scope=scope, run_id=body.plan_run_id)
    return jobs_service.submit(
        session=session,
        scope=scope,
        kind=CRITICAL,
        params={"top": body.top},
        plan_run_id=body.plan_run_id,
    )
