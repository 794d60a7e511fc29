"""Downloads and uploads with the session's cookie: a plan run's workbook, the registry as the
workbook people fill in and the upload of one (every bad cell listed, nothing written on
error), and the OCDS release package of the contracts.

Who may: those the services let (planners and auditors read, planners import); the rest get
the services' 403 or 404.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Access, Action
from kuznia.contracts import publication
from kuznia.io.excel import XLSX
from kuznia.io.ocds import OcdsOptions, default_schema_dir
from kuznia.pagination import Key
from kuznia.plans import service as plans_service
from kuznia.registry import exchange
from kuznia.web import forms
from kuznia.web.i18n import N_
from kuznia.web.nav import may_read, may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.problems import in_words
from kuznia.web.session import ViewerDep

router = APIRouter()
CHOOSE_A_FILE = N_("Choose the workbook to import (.xlsx).")


def _attachment(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/plans/{run_id}/workbook", include_in_schema=False)
def plan_workbook(session: SessionDep, viewer: ViewerDep, run_id: Key) -> Response:
    """A finished run's results as a workbook (planners and auditors)."""
    content = plans_service.run_workbook(session=session, scope=viewer.scope, run_id=run_id)
    return _attachment(content, XLSX, f"plan-run-{run_id}.xlsx")


def _registry_page(
    request: Request,
    viewer: Viewer,
    *,
    problems: list[Any] | None = None,
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    scope = viewer.scope
    scope.require("instance", Action.read)
    return render(
        request,
        "registry.html",
        {
            "may_import": may_write(scope, "instance"),
            "may_publish": scope.access("contracts", Action.read) is Access.all,
            "imported": request.query_params.get("imported"),
            "problems": problems,
            "errors": errors or {},
            "general": general or [],
            "may_read_industry": may_read(scope, "producers"),
        },
        viewer=viewer,
        status_code=status_code,
    )


@router.get("/registry", include_in_schema=False, response_class=HTMLResponse)
def registry_page(request: Request, viewer: ViewerDep) -> HTMLResponse:
    """The registry as a workbook: download it, fill it in, import it; the OCDS package."""
    return _registry_page(request, viewer)


@router.get("/registry/workbook", include_in_schema=False)
def registry_workbook(session: SessionDep, viewer: ViewerDep) -> Response:
    content = exchange.registry_workbook(session=session, scope=viewer.scope)
    return _attachment(content, XLSX, "registry.xlsx")


@router.post("/registry/import", include_in_schema=False, response_class=HTMLResponse)
def import_registry(
    request: Request, session: SessionDep, viewer: ViewerDep, form: forms.FormDep
) -> Response:
    """Replace the registry with an uploaded workbook; every bad cell listed when refused."""
    viewer.scope.require("instance", Action.write)
    upload = form.get("workbook")
    content = b""
    if isinstance(upload, UploadFile):
        content = upload.file.read()
    if not content:
        errors = {"workbook": CHOOSE_A_FILE}
        return _registry_page(request, viewer, errors=errors, status_code=422)
    state = forms.FormState()
    try:
        outcome = forms.submit(
            lambda: exchange.import_registry_workbook(
                session=session, scope=viewer.scope, content=content
            ),
            session=session,
            state=state,
            fields=("workbook",),
            lang=language_of(request),
        )
    except exchange.WorkbookRefused as refused:
        session.rollback()
        lang = language_of(request)
        problems = [
            replace(problem, message=in_words(problem.code, problem.params, problem.message, lang))
            for problem in refused.problems
        ]
        return _registry_page(request, viewer, problems=problems, status_code=422)
    if isinstance(outcome, forms.Refused):
        return _registry_page(
            request,
            viewer,
            errors=state.errors,
            general=state.general,
            status_code=outcome.status_code,
        )
    return RedirectResponse(f"/registry?imported={outcome.counts['lines']}", status_code=303)


@router.get("/registry/ocds", include_in_schema=False)
def ocds_package(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """Every contract and guarantee as an OCDS 1.1 release package, validated first."""
    settings = request.app.state.settings
    package = publication.published_package(
        session=session,
        scope=viewer.scope,
        options=OcdsOptions.from_settings(settings),
        schema_dir=settings.ocds_schema_dir or default_schema_dir(),
        as_of=datetime.now(UTC).replace(microsecond=0),
    )
    content = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
    return _attachment(content, "application/json", "contracts-ocds.json")
