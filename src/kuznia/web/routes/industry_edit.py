"""Changing the industry: a line's capacity and price per month (its ramp), lead time and
minimum rate; an expansion option; the stock of an item.

Every change goes through the registry service, as through the API: the format's rules, the
optimistic version and the caller's scope apply, and the change is versioned and audited. A
producer's user edits only its own lines and expansions; another producer's answers 404, as
if it did not exist, and nothing is written. The service's messages appear beside the field
they are about.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.errors import Forbidden
from kuznia.pagination import Key
from kuznia.registry import service as registry_service
from kuznia.registry.schemas import RecordFields
from kuznia.registry.sections import EXPANSIONS, ITEMS, LINES, PRODUCERS, STOCK, Section
from kuznia.web import forms, results
from kuznia.web.nav import may_read, may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.session import ViewerDep

router = APIRouter()
SERIES = ("capacity", "price")
LINE_FIELDS = ("capacity", "price", "lead_time", "min_rate")
EXPANSION_FIELDS = ("start", "delay", "added_capacity", "capex")


def _require_write(viewer: Viewer, section: Section) -> None:
    if not may_write(viewer.scope, section.name):
        raise Forbidden(f"role {viewer.scope.role.value} may not write {section.name}")


def _version(form: Any) -> int:
    text = str(form.get("version", "")).strip()
    return int(text) if text.isdigit() and len(text) < 12 else -1


def _months(session: Session, viewer: Viewer) -> tuple[int, str | None]:
    settings = results.horizon(session=session, scope=viewer.scope)
    return (settings.months, settings.start) if settings else (0, None)


def _producer_of(session: Session, viewer: Viewer, code: str) -> RecordFields | None:
    found = results.records(
        session=session, scope=viewer.scope, section=PRODUCERS, filters={"code": code}
    )
    return found[0] if found else None


def _amount(text: str) -> int | float:
    """A quantity, price or rate typed into the form: a number, 0 or more."""
    value = forms.number(text)
    if value < 0:
        raise forms.FormError(forms.NOT_NEGATIVE)
    return value


def _months_count(text: str) -> int:
    """A number of months or a month of the plan: a whole number, 0 or more."""
    value = forms.whole_number(text)
    if value < 0:
        raise forms.FormError(forms.NOT_NEGATIVE)
    return value


# --- Lines ----------------------------------------------------------------------------------


def _series_values(value: Any, months: int) -> list[Any]:
    """A capacity or price as one value per month of the horizon (a single number repeats)."""
    if isinstance(value, list):
        return list(value) + [""] * max(0, months - len(value))
    return [value] * months


def _read_series(
    form: Any, name: str, before: Any, months: int, errors: dict[str, str]
) -> int | float | list[int | float] | None:
    """The months typed for `name`: one number when the record held one and every month
    still equals it, else a list; None with messages under `name.<month>` when unreadable."""
    values: list[int | float] = []
    for month in range(months):
        try:
            values.append(_amount(str(form.get(f"{name}.{month}", ""))))
        except forms.FormError as error:
            errors[f"{name}.{month}"] = str(error)
    if len(values) < months:
        return None
    if not isinstance(before, list) and all(v == before for v in values):
        kept: int | float = before
        return kept  # unchanged: keep the single number the record holds
    if not isinstance(before, list) and len(set(values)) == 1:
        return values[0]
    return values


def _place_series(errors: dict[str, str]) -> dict[str, str]:
    """The service's `capacity[3]` as the form's `capacity.3`."""
    placed: dict[str, str] = {}
    for name, message in errors.items():
        for series in SERIES:
            if name.startswith(f"{series}[") and name.endswith("]"):
                name = f"{series}.{name[len(series) + 1 : -1]}"
        placed[name] = message
    return placed


def _line_form(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    line: RecordFields,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    months, start = _months(session, viewer)
    items = results.records(
        session=session, scope=viewer.scope, section=ITEMS, filters={"code": line["item"]}
    )
    return render(
        request,
        "line_form.html",
        {
            "line": line,
            "item": items[0] if items else {"name": line["item"], "unit": ""},
            "producer": _producer_of(session, viewer, line["producer"]),
            "values": values,
            "errors": errors or {},
            "general": general or [],
            "months": months,
            "start": start,
        },
        viewer=viewer,
        status_code=status_code,
    )


def _line_values(line: RecordFields, months: int) -> dict[str, Any]:
    return {
        "capacity": _series_values(line["capacity"], months),
        "price": _series_values(line["price"], months),
        "lead_time": line["lead_time"],
        "min_rate": line["min_rate"],
        "version": line["version"],
    }


@router.get("/industry/lines/{line_id}/edit", include_in_schema=False, response_class=HTMLResponse)
def edit_line(request: Request, session: SessionDep, viewer: ViewerDep, line_id: Key) -> Response:
    """A line's form; 404 for a line the caller may not change (another producer's)."""
    _require_write(viewer, LINES)
    line = registry_service.get_record(
        session=session, section=LINES, scope=viewer.scope, record_id=line_id
    ).model_dump()
    months, _ = _months(session, viewer)
    return _line_form(request, session, viewer, line=line, values=_line_values(line, months))


@router.post("/industry/lines/{line_id}", include_in_schema=False, response_class=HTMLResponse)
def update_line(
    request: Request, session: SessionDep, viewer: ViewerDep, line_id: Key, form: forms.FormDep
) -> Response:
    _require_write(viewer, LINES)
    line = registry_service.get_record(
        session=session, section=LINES, scope=viewer.scope, record_id=line_id
    ).model_dump()
    months, _ = _months(session, viewer)
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {
        name: _read_series(form, name, line[name], months, errors) for name in SERIES
    }
    try:
        changes["lead_time"] = _months_count(str(form.get("lead_time", "")))
    except forms.FormError as error:
        errors["lead_time"] = str(error)
    try:
        changes["min_rate"] = _amount(str(form.get("min_rate", "")))
    except forms.FormError as error:
        errors["min_rate"] = str(error)
    version = _version(form)
    values = {
        **{name: [form.get(f"{name}.{m}", "") for m in range(months)] for name in SERIES},
        "lead_time": form.get("lead_time", ""),
        "min_rate": form.get("min_rate", ""),
        "version": _version(form),
    }
    if errors:
        return _line_form(
            request, session, viewer, line=line, values=values, errors=errors, status_code=422
        )
    state = forms.FormState()
    outcome = forms.submit(
        lambda: registry_service.update_record(
            session=session,
            section=LINES,
            scope=viewer.scope,
            record_id=line_id,
            version=version,
            changes=changes,
        ),
        session=session,
        state=state,
        fields=LINE_FIELDS,
        lang=language_of(request),
    )
    if isinstance(outcome, forms.Refused):
        return _line_form(
            request,
            session,
            viewer,
            line=line,
            values=values,
            errors=_place_series(state.errors),
            general=state.general,
            status_code=outcome.status_code,
        )
    return RedirectResponse(_back_to_producer(session, viewer, line, line_id), status_code=303)


def _back_to_producer(session: Session, viewer: Viewer, line: RecordFields, record_id: int) -> str:
    producer = _producer_of(session, viewer, line["producer"])
    if producer is None:
        return forms.with_saved("/industry/lines", record_id)
    return forms.with_saved(f"/industry/producers/{producer['id']}", record_id)


# --- Expansions -----------------------------------------------------------------------------


def _expansion_form(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    expansion: RecordFields,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    months, start = _months(session, viewer)
    lines = results.records(
        session=session, scope=viewer.scope, section=LINES, filters={"code": expansion["line"]}
    )
    producer = _producer_of(session, viewer, lines[0]["producer"]) if lines else None
    return render(
        request,
        "expansion_form.html",
        {
            "expansion": expansion,
            "producer": producer,
            "values": values,
            "errors": errors or {},
            "general": general or [],
            "months": months,
            "start": start,
        },
        viewer=viewer,
        status_code=status_code,
    )


@router.get(
    "/industry/expansions/{expansion_id}/edit",
    include_in_schema=False,
    response_class=HTMLResponse,
)
def edit_expansion(
    request: Request, session: SessionDep, viewer: ViewerDep, expansion_id: Key
) -> Response:
    _require_write(viewer, EXPANSIONS)
    expansion = registry_service.get_record(
        session=session, section=EXPANSIONS, scope=viewer.scope, record_id=expansion_id
    ).model_dump()
    values = {name: expansion[name] for name in (*EXPANSION_FIELDS, "version")}
    return _expansion_form(request, session, viewer, expansion=expansion, values=values)


@router.post(
    "/industry/expansions/{expansion_id}", include_in_schema=False, response_class=HTMLResponse
)
def update_expansion(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    expansion_id: Key,
    form: forms.FormDep,
) -> Response:
    _require_write(viewer, EXPANSIONS)
    expansion = registry_service.get_record(
        session=session, section=EXPANSIONS, scope=viewer.scope, record_id=expansion_id
    ).model_dump()
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for name in EXPANSION_FIELDS:
        text = str(form.get(name, ""))
        try:
            changes[name] = _months_count(text) if name in ("start", "delay") else _amount(text)
        except forms.FormError as error:
            errors[name] = str(error)
    version = _version(form)
    values = {
        **{name: form.get(name, "") for name in EXPANSION_FIELDS},
        "version": _version(form),
    }
    if errors:
        return _expansion_form(
            request,
            session,
            viewer,
            expansion=expansion,
            values=values,
            errors=errors,
            status_code=422,
        )
    state = forms.FormState()
    outcome = forms.submit(
        lambda: registry_service.update_record(
            session=session,
            section=EXPANSIONS,
            scope=viewer.scope,
            record_id=expansion_id,
            version=version,
            changes=changes,
        ),
        session=session,
        state=state,
        fields=EXPANSION_FIELDS,
        lang=language_of(request),
    )
    if isinstance(outcome, forms.Refused):
        return _expansion_form(
            request,
            session,
            viewer,
            expansion=expansion,
            values=values,
            errors=state.errors,
            general=state.general,
            status_code=outcome.status_code,
        )
    lines = results.records(
        session=session, scope=viewer.scope, section=LINES, filters={"code": expansion["line"]}
    )
    target = (
        _back_to_producer(session, viewer, lines[0], expansion_id)
        if lines
        else forms.with_saved("/industry", expansion_id)
    )
    return RedirectResponse(target, status_code=303)


# --- Stock ----------------------------------------------------------------------------------


def _stock_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    editing: int | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    scope = viewer.scope
    scope.require(STOCK.name, Action.read)
    items = {
        item["code"]: item for item in results.records(session=session, scope=scope, section=ITEMS)
    }
    return render(
        request,
        "stock.html",
        {
            "stock": results.records(session=session, scope=scope, section=STOCK),
            "items": items,
            "may_edit": may_write(scope, STOCK.name),
            "may_read_industry": may_read(scope, PRODUCERS.name),
            "saved": request.query_params.get("saved"),
            "editing": editing,
            "values": values or {},
            "errors": errors or {},
            "general": general or [],
        },
        viewer=viewer,
        status_code=status_code,
    )


@router.get("/industry/stock", include_in_schema=False, response_class=HTMLResponse)
def stock(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """What is in store per item at the start of the plan; planners change it here."""
    return _stock_page(request, session, viewer)


@router.post("/industry/stock/{stock_id}", include_in_schema=False, response_class=HTMLResponse)
def update_stock(
    request: Request, session: SessionDep, viewer: ViewerDep, stock_id: Key, form: forms.FormDep
) -> Response:
    _require_write(viewer, STOCK)
    registry_service.get_record(
        session=session, section=STOCK, scope=viewer.scope, record_id=stock_id
    )
    version = _version(form)
    values = {"quantity": form.get("quantity", ""), "version": version}
    try:
        quantity = _amount(str(values["quantity"]))
    except forms.FormError as error:
        return _stock_page(
            request,
            session,
            viewer,
            editing=stock_id,
            values=values,
            errors={"quantity": str(error)},
            status_code=422,
        )
    state = forms.FormState()
    outcome = forms.submit(
        lambda: registry_service.update_record(
            session=session,
            section=STOCK,
            scope=viewer.scope,
            record_id=stock_id,
            version=version,
            changes={"quantity": quantity},
        ),
        session=session,
        state=state,
        fields=("quantity",),
        lang=language_of(request),
    )
    if isinstance(outcome, forms.Refused):
        return _stock_page(
            request,
            session,
            viewer,
            editing=stock_id,
            values=values,
            errors=state.errors,
            general=state.general,
            status_code=outcome.status_code,
        )
    return RedirectResponse(forms.with_saved("/industry/stock", stock_id), status_code=303)
