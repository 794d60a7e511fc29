"""Analyses: the long questions a planner asks of a plan (what would close a shortfall, a
money curve, ...), answered by the worker pool. A page asks (the question's own form or
button queues a job), follows the job's progress (HTMX polls its fragment), shows the answer
when it is there, and may cancel it; /analyses lists them all."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from math import ceil
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from kuznia import models
from kuznia.auth.dependencies import SessionDep
from kuznia.documents import JsonObject
from kuznia.errors import NotFound
from kuznia.io.curve_workbook import CurveWords, write_curve_workbook
from kuznia.io.excel import XLSX
from kuznia.jobs import router as jobs_router
from kuznia.jobs import service as jobs_service
from kuznia.jobs.schemas import JobRead
from kuznia.pagination import Key, PageParams
from kuznia.planning.curves import CURVE_COLUMNS
from kuznia.plans import jobs as plan_jobs
from kuznia.web import results, workbench_charts
from kuznia.web.economy_charts import curve_lines
from kuznia.web.i18n import N_, Language
from kuznia.web.nav import may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.routes.plans import STATUS_NAMES, progress_message
from kuznia.web.session import ViewerDep
from kuznia.workbench import service as workbench

router = APIRouter()
PAGE = 25
MAX_PAGE = 100_000
ACTIVE = ("queued", "running")
KIND_NAMES = {
    plan_jobs.CLOSE: N_("What would close a shortfall"),
    plan_jobs.CURVE: N_("Money curve"),
    workbench.SCENARIO: N_("Scenario against a plan"),
    workbench.SWEEP: N_("Sweep of sampled scenarios"),
    workbench.CRITICAL: N_("Critical producers and regions"),
}
# What the workers say as they go, so that the catalogs can say it in every language.
JOB_MESSAGES = (
    N_("solving again with unlimited money for the shortfall"),
    N_("reading the snapshot"),
    N_("planning the base"),
    N_("planning under the scenario"),
    N_("holding the base plan's contracts under the scenario"),
    N_("planning the base and screening the producers"),
    N_("the worker stopped before the job finished"),
)
_STEPS = re.compile(r"^(\d+) of (\d+) steps solved$")
_SCENARIOS = re.compile(r"^(\d+) of (\d+) scenarios planned$")
_REPLANS = re.compile(r"^(\d+) of (\d+) re-plans without a producer or region$")
_FAILED = re.compile(r"^The analysis failed; reference ([0-9a-f]+)$")


def job_message(message: str, lang: Language) -> str:
    """A job's progress message in the page's language (unknown ones as they are)."""
    steps = _STEPS.match(message)
    if steps:
        return lang.gettext(
            "%(done)s of %(of)s steps solved", done=steps.group(1), of=steps.group(2)
        )
    scenarios = _SCENARIOS.match(message)
    if scenarios:
        return lang.gettext(
            "%(done)s of %(of)s scenarios planned", done=scenarios.group(1), of=scenarios.group(2)
        )
    replans = _REPLANS.match(message)
    if replans:
        return lang.gettext(
            "%(done)s of %(of)s re-plans without a producer or region",
            done=replans.group(1),
            of=replans.group(2),
        )
    failed = _FAILED.match(message)
    if failed:
        return lang.gettext(
            "The analysis failed; reference %(reference)s", reference=failed.group(1)
        )
    return progress_message(message, lang)


def job_context(request: Request, session: Any, viewer: Viewer, job: JobRead) -> dict[str, Any]:
    """What the job fragment shows: its status and progress, and its answer once there."""
    lang = language_of(request)
    context: dict[str, Any] = {
        "job": job,
        "active": job.status.value in ACTIVE,
        "kind_name": KIND_NAMES.get(job.kind, job.kind),
        "status_names": STATUS_NAMES,
        "message": job_message(job.message, lang),
        "may_cancel": may_write(viewer.scope, "jobs"),
    }
    answer = job.result
    if job.status is models.PlanRunStatus.finished and answer is not None:
        context["answer"] = answer
        if job.kind == plan_jobs.CLOSE:
            context["settings"] = results.horizon(session=session, scope=viewer.scope)
            context["labels"] = results.labels(session=session, scope=viewer.scope)
        elif job.kind == plan_jobs.CURVE:
            context["curve_chart"] = curve_lines(answer["rows"], lang, answer["currency"])
            context["curve_tiers"], context["curve_steps"] = curve_steps(answer["rows"])
        else:
            context.update(workbench_charts.figures(job.kind, answer, lang))
    return context


def job_fragment(
    request: Request, session: Any, viewer: Viewer, job: JobRead, *, status_code: int = 200
) -> HTMLResponse:
    """The job's fragment: polled while the job is queued or running (on the analysis's own
    page it links nowhere else)."""
    shown_on = request.headers.get("HX-Current-URL", "").split("?")[0].rstrip("/")
    own_page = shown_on.endswith(f"/analyses/{job.id}")
    return render(
        request,
        "_job.html",
        job_context(request, session, viewer, job) | {"own_page": own_page},
        viewer=viewer,
        status_code=status_code,
    )


@router.get("/analyses", include_in_schema=False, response_class=HTMLResponse)
def analyses(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    """Every analysis, newest first."""
    jobs, total = jobs_service.list_jobs(
        session=session,
        scope=viewer.scope,
        page=PageParams(limit=PAGE, offset=(page - 1) * PAGE),
    )
    lang = language_of(request)
    return render(
        request,
        "analyses.html",
        {
            "jobs": jobs,
            "messages": {job.id: job_message(job.message, lang) for job in jobs},
            "kind_names": KIND_NAMES,
            "status_names": STATUS_NAMES,
            "page": page,
            "pages": max(1, ceil(total / PAGE)),
            "total": total,
        },
        viewer=viewer,
    )


@router.get("/analyses/{job_id}", include_in_schema=False, response_class=HTMLResponse)
def analysis(request: Request, session: SessionDep, viewer: ViewerDep, job_id: Key) -> Response:
    """One analysis: what was asked, its progress, its answer."""
    job = jobs_service.get_job(session=session, scope=viewer.scope, job_id=job_id)
    return render(
        request,
        "analysis.html",
        job_context(request, session, viewer, job) | {"own_page": True},
        viewer=viewer,
    )


@router.get("/analyses/{job_id}/fragment", include_in_schema=False, response_class=HTMLResponse)
def analysis_fragment(
    request: Request, session: SessionDep, viewer: ViewerDep, job_id: Key
) -> HTMLResponse:
    """The analysis's progress (and answer, once there), as the page polls it."""
    job = jobs_service.get_job(session=session, scope=viewer.scope, job_id=job_id)
    return job_fragment(request, session, viewer, job)


@router.post("/analyses/{job_id}/cancel", include_in_schema=False, response_class=HTMLResponse)
def cancel_analysis(
    request: Request, session: SessionDep, viewer: ViewerDep, job_id: Key
) -> HTMLResponse:
    """Cancel a queued or running analysis; the fragment shows it cancelled."""
    job = jobs_service.cancel_job(session=session, scope=viewer.scope, job_id=job_id)
    session.commit()
    return job_fragment(request, session, viewer, job)


@router.post(
    "/plans/{run_id}/shortfalls/{number}/close",
    include_in_schema=False,
    response_class=HTMLResponse,
)
def close_shortfall(
    request: Request, session: SessionDep, viewer: ViewerDep, run_id: Key, number: Key
) -> HTMLResponse:
    """Ask what would close one shortfall (the shortfall's button): queued for the worker pool,
    followed in place."""
    queued = plan_jobs.start_close(
        session=session, scope=viewer.scope, run_id=run_id, number=number
    )
    job = jobs_router.queued(request, session, queued)
    return job_fragment(request, session, viewer, job, status_code=202)


@dataclass
class CurveStep:
    """One step of a money curve: its extra money, the plan's cost and its row per tier."""

    extra: float
    cost: float
    tiers: dict[int, JsonObject] = field(default_factory=dict)


def curve_steps(rows: list[JsonObject]) -> tuple[list[int], list[CurveStep]]:
    """The curve one row per step, each tier's figures side by side (as the workbook's first
    sheet): the tiers, and per step its extra money, cost and rows by tier."""
    tiers = sorted({int(row["priority"]) for row in rows})
    steps: dict[int, CurveStep] = {}
    for row in rows:
        step = steps.setdefault(int(row["step"]), CurveStep(extra=row["extra"], cost=row["cost"]))
        step.tiers[int(row["priority"])] = row
    return tiers, [steps[k] for k in sorted(steps)]


def curve_words(lang: Language) -> CurveWords:
    """The curve workbook's headers in the page's language."""
    return CurveWords(
        steps_sheet=lang.gettext("Steps"),
        tiers_sheet=lang.gettext("By tier"),
        about_sheet=lang.gettext("Read me"),
        step=lang.gettext("Step"),
        extra=lang.gettext("Extra money (%(currency)s)", currency="{currency}"),
        cost=lang.gettext("Cost (%(currency)s)", currency="{currency}"),
        priority=lang.gettext("Priority"),
        weighted=lang.gettext("Weighted unit-months short"),
        short=lang.gettext("Unit-months short"),
        closed=lang.gettext("Unit-months closed"),
        tier_weighted=lang.gettext("Tier %(tier)s: weighted unit-months short", tier="{tier}"),
        tier_short=lang.gettext("Tier %(tier)s: unit-months short", tier="{tier}"),
        tier_closed=lang.gettext("Tier %(tier)s: unit-months closed", tier="{tier}"),
        field=lang.gettext("Field"),
        value=lang.gettext("Value"),
        run=lang.gettext("Plan run"),
        fund=lang.gettext("Fund"),
        year=lang.gettext("Year"),
        currency=lang.gettext("Currency"),
        note=lang.gettext(
            "The plan is solved again at every step with the fund's budget of the year raised "
            "by the extra money; between steps the curve is drawn straight."
        ),
    )


def _curve(session: Any, viewer: Viewer, job_id: int) -> JsonObject:
    """A finished money curve's answer, or NotFound (another kind, or not finished)."""
    job = jobs_service.get_job(session=session, scope=viewer.scope, job_id=job_id)
    if job.kind != plan_jobs.CURVE or job.result is None:
        raise NotFound(f"analysis {job_id} has no money curve")
    return job.result


def _file_name(curve: JsonObject, suffix: str) -> str:
    return f"money-curve-run{curve['run']}-{curve['fund']}-{curve['year']}.{suffix}"


@router.get("/analyses/{job_id}/curve.csv", include_in_schema=False)
def curve_csv(session: SessionDep, viewer: ViewerDep, job_id: Key) -> Response:
    """A money curve's rows as CSV (one per step and tier), as the worker found them."""
    curve = _curve(session, viewer, job_id)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CURVE_COLUMNS)
    writer.writeheader()
    writer.writerows(curve["rows"])
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(curve, "csv")}"'},
    )


@router.get("/analyses/{job_id}/curve.xlsx", include_in_schema=False)
def curve_xlsx(request: Request, session: SessionDep, viewer: ViewerDep, job_id: Key) -> Response:
    """A money curve as a workbook: the steps with each tier side by side, and per tier."""
    curve = _curve(session, viewer, job_id)
    out = io.BytesIO()
    write_curve_workbook(curve, out, words=curve_words(language_of(request)))
    return Response(
        out.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{_file_name(curve, "xlsx")}"'},
    )
