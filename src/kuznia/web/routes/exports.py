"""Exports: what the plan leaves for foreign buyers, per item and month (after the plan, and
what no tier would take even with unlimited funds), the orders served with their revenue, and
the proof in numbers that exports take nothing from the troops: the run's tier values and cost
beside those of the same plan solved without export orders (stored by the worker).

Planners and auditors (a run's exports are theirs, kuznia.plans.economy)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Access, Action
from kuznia.errors import Forbidden
from kuznia.plans import economy as economy_service
from kuznia.plans import service as plans_service
from kuznia.web.pages import Viewer, render
from kuznia.web.session import ViewerDep

router = APIRouter()


def chosen_run(request: Request, session: Session, viewer: Viewer) -> Any:
    """The run named by `?run=`, else the newest finished one with a plan (None: none)."""
    text = request.query_params.get("run", "")
    if text.isdigit() and len(text) < 12:
        return plans_service.get_run(session=session, scope=viewer.scope, run_id=int(text))
    return plans_service.latest_finished_run(session=session, scope=viewer.scope)


def _surplus_by_item(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per item: the months with surplus, and its total of each kind."""
    items: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = items.setdefault(
            row["item"],
            {"item": row["item"], "after_plan": 0.0, "unconditional": 0.0, "months": []},
        )
        after, unconditional = row.get("after_plan") or 0, row.get("unconditional") or 0
        entry["after_plan"] += after
        entry["unconditional"] += unconditional
        if after or unconditional:
            entry["months"].append(row)
    return sorted(items.values(), key=lambda e: (-e["after_plan"], e["item"]))


@router.get("/exports", include_in_schema=False, response_class=HTMLResponse)
def exports_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    scope = viewer.scope
    if scope.require("plan_runs", Action.read) is not Access.all:
        raise Forbidden("only planners and auditors read a run's exports")
    run = chosen_run(request, session, viewer)
    context: dict[str, Any] = {"run": run, "exports": None, "surplus": []}
    if run is not None and run.economy is not None:
        context["exports"] = economy_service.run_exports(
            session=session, scope=scope, run_id=run.id
        )
        surplus = economy_service.run_surplus(session=session, scope=scope, run_id=run.id)
        context["surplus"] = _surplus_by_item(surplus["rows"])
        context["start"] = run.start
    return render(request, "exports.html", context, viewer=viewer)
