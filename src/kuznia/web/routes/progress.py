"""Plan versus actual, as of a day: each contract in force against its schedule (due to date,
produced, accepted, late, at risk at the pace kept so far), and for planners and auditors each
need class of a plan run against what the depots dispatched to its grouping. The numbers are
the logistics service's report (`kuznia.logistics.reports.plan_vs_actual`), in the caller's
scope: a producer sees its own contracts, a partner those its funds pay."""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.logistics import reports
from kuznia.logistics.schemas import ContractProgress, NeedClassProgress
from kuznia.web import execution, results
from kuznia.web.nav import reads_all
from kuznia.web.pages import render
from kuznia.web.session import ViewerDep

router = APIRouter()
PAGE_SIZE = 50
Row = TypeVar("Row")


def _number(request: Request, name: str) -> int:
    try:
        return max(1, int(request.query_params.get(name, "1")))
    except ValueError:
        return 1


def _page(rows: Sequence[Row], number: int) -> tuple[Sequence[Row], int, int]:
    """One page of `rows`, the page's number (within range) and how many pages there are."""
    pages = max(1, ceil(len(rows) / PAGE_SIZE))
    number = min(number, pages)
    return rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE], number, pages


@router.get("/contracts/progress", include_in_schema=False, response_class=HTMLResponse)
def progress(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    scope = viewer.scope
    scope.require("contracts", Action.read)
    params = request.query_params
    as_of, readable = execution.read_day(params.get("as_of"), execution.today())
    plan_text = params.get("plan", "").strip()
    plan_run_id = int(plan_text) if plan_text.isdigit() and int(plan_text) > 0 else None
    only = params.get("only", "") == "late"
    needs_reader = reads_all(scope, "execution_reports")
    view = "needs" if params.get("view") == "needs" and needs_reader else "contracts"
    report = reports.plan_vs_actual(
        session=session, scope=scope, as_of=as_of, plan_run_id=plan_run_id
    )
    contracts = report.contracts
    classes = report.need_classes
    late = sum(1 for row in contracts if row.late > 0)
    at_risk = sum(1 for row in contracts if row.at_risk)
    short = sum(1 for row in classes if row.short > 0)
    rows: Sequence[ContractProgress | NeedClassProgress]
    if view == "contracts":
        rows = [r for r in contracts if r.late > 0 or r.at_risk] if only else contracts
    else:
        rows = [r for r in classes if r.short > 0] if only else classes
    shown, number, pages = _page(rows, _number(request, "page"))
    return render(
        request,
        "progress.html",
        {
            "tab": "progress",
            "view": view,
            "as_of": as_of,
            "as_of_readable": readable,
            "plan": plan_text if plan_run_id else "",
            "only": only,
            "report": report,
            "units": results.units_of_items(session=session, scope=scope),
            "rows": shown,
            "total": len(rows),
            "page": number,
            "pages": pages,
            "counts": {
                "contracts": len(contracts),
                "late": late,
                "at_risk": at_risk,
                "classes": len(classes),
                "short": short,
            },
            "needs_reader": needs_reader,
            "role": scope.role.value,
        },
        viewer=viewer,
    )
