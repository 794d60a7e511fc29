"""The workbench's job kinds: `scenario` (a stored scenario against a plan run's snapshot),
`sweep` (sampled scenarios spread over Dask workers, progress after each) and `critical` (producers and regions ranked,
Herfindahl per item). Registered when `kuznia.worker` imports this module."""

from __future__ import annotations

from kuznia.documents import JsonObject
from kuznia.jobs.registry import JobContext, handles
from kuznia.settings import Settings
from kuznia.workbench import analysis, service
from kuznia.workbench.schemas import SweepCreate
from kuznia.workbench.spread import sweep_tasks


def _run_id(context: JobContext) -> int:
    if context.plan_run_id is None:
        raise ValueError(f"job {context.job_id} names no plan run")
    return context.plan_run_id


@handles(service.SCENARIO)
def scenario(context: JobContext) -> JsonObject:
    """Plan the run's snapshot with and without the scenario; compare."""
    context.progress(0.01, "reading the snapshot")
    scenario_id = int(context.params["scenario_id"])
    with context.session() as session:
        scope = context.scope(session)
        instance = service.finished_snapshot(session=session, scope=scope, run_id=_run_id(context))
        chosen = service.scenario_for(
            session=session, scope=scope, scenario_id=scenario_id, instance=instance
        )
    answer = analysis.compare_scenario(instance, chosen, on_progress=context.progress)
    return {"run": _run_id(context), "scenario_id": scenario_id, **answer.model_dump(mode="json")}


@handles(service.SWEEP)
def sweep(context: JobContext) -> JsonObject:
    """Plan the sampled scenarios, spread over Dask workers where a cluster can be had
    (`kuznia.workbench.spread`), reporting after each."""
    body = SweepCreate.model_validate({**context.params, "plan_run_id": _run_id(context)})
    context.progress(0.01, "reading the snapshot")
    with context.session() as session:
        instance = service.finished_snapshot(
            session=session, scope=context.scope(session), run_id=_run_id(context)
        )
    with sweep_tasks(Settings()) as tasks:
        answer = analysis.run_sweep(
            instance,
            scenarios=body.scenarios,
            seed=body.seed,
            settings=service.sweep_settings(body),
            on_progress=context.progress,
            tasks=tasks,
        )
    return {"run": _run_id(context), **answer.model_dump(mode="json")}


@handles(service.CRITICAL)
def critical(context: JobContext) -> JsonObject:
    """Rank producers and regions by the shortfall their loss causes."""
    context.progress(0.01, "reading the snapshot")
    with context.session() as session:
        instance = service.finished_snapshot(
            session=session, scope=context.scope(session), run_id=_run_id(context)
        )
    answer = analysis.critical(
        instance, top=int(context.params["top"]), on_progress=context.progress
    )
    return {"run": _run_id(context), **answer}
