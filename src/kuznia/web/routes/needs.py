"""Needs: a filtered, paged table, and forms to change or add a need for roles that may write
them. Every change goes through the registry service, so the instance format's rules and the
optimistic version apply exactly as in the API; its messages are shown next to the fields."""

from __future__ import annotations

from math import ceil
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kuznia.auth.dependencies import SessionDep
from kuznia.errors import Forbidden
from kuznia.instance.vocabulary import OPERATIONS
from kuznia.pagination import Key, PageParams
from kuznia.registry import service as registry_service
from kuznia.registry.schemas import RecordFields, RecordFilters, record_filters
from kuznia.registry.sections import GROUPINGS, ITEMS, NEEDS
from kuznia.web import forms, results
from kuznia.web.nav import may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.session import ViewerDep, safe_next

router = APIRouter()
PAGE_SIZE = 50
FIELDS = ("item", "grouping", "month", "quantity", "operation", "priority")


def _filters(request: Request) -> tuple[RecordFilters, dict[str, str]]:
    """The service's filters from the query, and the query's values to show in the form (a
    value the list cannot hold, a month that is not a number, filters nothing)."""
    params = request.query_params
    shown = {
        name: params.get(name, "").strip()
        for name in ("item", "grouping", "month", "priority", "operation")
    }
    values: dict[str, Any] = {"item": shown["item"] or None, "grouping": shown["grouping"] or None}
    for name, least in (("month", 0), ("priority", 1)):
        number = int(shown[name]) if shown[name].isdigit() and len(shown[name]) < 10 else None
        values[name] = number if number is not None and number >= least else None
        if values[name] is None:
            shown[name] = ""
    values["operation"] = shown["operation"] if shown["operation"] in OPERATIONS else None
    return record_filters(NEEDS, **values), shown


@router.get("/needs", include_in_schema=False, response_class=HTMLResponse)
def needs(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    scope = viewer.scope
    filters, shown = _filters(request)
    try:
        number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    rows, total = registry_service.list_records(
        session=session,
        section=NEEDS,
        scope=scope,
        filters=filters,
        page=PageParams(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE),
    )
    settings = results.horizon(session=session, scope=scope)
    return render(
        request,
        "needs.html",
        {
            "rows": rows,
            "total": total,
            "page": number,
            "pages": max(1, ceil(total / PAGE_SIZE)),
            "chosen": shown,
            "filtered": any(shown.values()),
            "items": results.records(session=session, scope=scope, section=ITEMS),
            "groupings": results.records(session=session, scope=scope, section=GROUPINGS),
            "operations": OPERATIONS,
            "settings": settings,
            "may_edit": may_write(scope, NEEDS.name),
            "saved": request.query_params.get("saved"),
        },
        viewer=viewer,
    )


def _form(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    need: RecordFields | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    back: str = "/needs",
    status_code: int = 200,
) -> HTMLResponse:
    scope = viewer.scope
    return render(
        request,
        "need_form.html",
        {
            "need": need,
            "values": values,
            "errors": errors or {},
            "general": general or [],
            "items": results.records(session=session, scope=scope, section=ITEMS),
            "groupings": results.records(session=session, scope=scope, section=GROUPINGS),
            "operations": OPERATIONS,
            "settings": results.horizon(session=session, scope=scope),
            "back": safe_next(back, "/needs"),
        },
        viewer=viewer,
        status_code=status_code,
    )


def _read_form(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The need's fields typed into the form, and a message per field that cannot be read."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in ("item", "grouping", "operation"):
        value = str(form.get(name, "")).strip()
        if value:
            changes[name] = value
        else:
            errors[name] = forms.REQUIRED
    for name, read in (
        ("month", forms.whole_number),
        ("priority", forms.whole_number),
        ("quantity", forms.number),
    ):
        try:
            changes[name] = read(str(form.get(name, "")))
        except forms.FormError as error:
            errors[name] = str(error)
    return changes, errors


def _require_write(viewer: Viewer) -> None:
    if not may_write(viewer.scope, NEEDS.name):
        raise Forbidden(f"role {viewer.scope.role.value} may not write needs")


@router.get("/needs/new", include_in_schema=False, response_class=HTMLResponse)
def new_need(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    _require_write(viewer)
    return _form(
        request,
        session,
        viewer,
        need=None,
        values={"priority": 1, "month": 0},
        back=request.query_params.get("back", "/needs"),
    )


@router.post("/needs", include_in_schema=False, response_class=HTMLResponse)
def create_need(
    request: Request, session: SessionDep, viewer: ViewerDep, form: forms.FormDep
) -> Response:
    _require_write(viewer)
    back = str(form.get("back", "/needs"))
    changes, errors = _read_form(form)
    if not errors:
        state = forms.FormState(errors=errors)
        outcome = forms.submit(
            lambda: registry_service.create_record(
                session=session, section=NEEDS, scope=viewer.scope, fields=changes
            ),
            session=session,
            state=state,
            fields=FIELDS,
            lang=language_of(request),
        )
        if isinstance(outcome, forms.Refused):
            return _form(
                request,
                session,
                viewer,
                need=None,
                values=dict(form),
                errors=errors,
                general=state.general,
                back=back,
                status_code=outcome.status_code,
            )
        created = outcome
        return RedirectResponse(
            forms.with_saved(safe_next(back, "/needs"), created.id), status_code=303
        )
    return _form(
        request,
        session,
        viewer,
        need=None,
        values=dict(form),
        errors=errors,
        back=back,
        status_code=422,
    )


@router.get("/needs/{need_id}/edit", include_in_schema=False, response_class=HTMLResponse)
def edit_need(
    request: Request, session: SessionDep, viewer: ViewerDep, need_id: Key
) -> HTMLResponse:
    _require_write(viewer)
    need = registry_service.get_record(
        session=session, section=NEEDS, scope=viewer.scope, record_id=need_id
    ).model_dump()
    return _form(
        request,
        session,
        viewer,
        need=need,
        values=need,
        back=request.query_params.get("back", "/needs"),
    )


@router.post("/needs/{need_id}", include_in_schema=False, response_class=HTMLResponse)
def update_need(
    request: Request, session: SessionDep, viewer: ViewerDep, need_id: Key, form: forms.FormDep
) -> Response:
    _require_write(viewer)
    back = str(form.get("back", "/needs"))
    need = registry_service.get_record(
        session=session, section=NEEDS, scope=viewer.scope, record_id=need_id
    ).model_dump()
    changes, errors = _read_form(form)
    general: list[str] = []
    version = forms.version(form, general, language_of(request))
    values = dict(form)
    if not errors and version is not None:
        state = forms.FormState(errors=errors)
        outcome = forms.submit(
            lambda: registry_service.update_record(
                session=session,
                section=NEEDS,
                scope=viewer.scope,
                record_id=need_id,
                version=version,
                changes=changes,
            ),
            session=session,
            state=state,
            fields=FIELDS,
            lang=language_of(request),
        )
        if isinstance(outcome, forms.Refused):
            return _form(
                request,
                session,
                viewer,
                need=need,
                values=values,
                errors=errors,
                general=state.general,
                back=back,
                status_code=outcome.status_code,
            )
        return RedirectResponse(
            forms.with_saved(safe_next(back, "/needs"), need_id), status_code=303
        )
    return _form(
        request,
        session,
        viewer,
        need=need,
        values=values,
        errors=errors,
        general=general,
        back=back,
        status_code=422,
    )
