"""Changing the industry: a line's capacity and price per month (its ramp), lead time and
minimum rate; an expansion option; the stock of an item.

Every change goes through the registry service, as through the API: the format's rules, the
optimistic version and the caller's scope apply, and the change is versioned and audited. A
producer's user edits only its own lines and expansions; another producer's answers 404, as
if it did not exist, and nothing is written. The service's messages appear beside the field
they are about.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.errors import Conflict, Forbidden, KuzniaError
from kuznia.pagination import Key
from kuznia.registry import service as registry_service
from kuznia.registry.schemas import RecordFields, RecordRead
from kuznia.registry.sections import EXPANSIONS, ITEMS, LINES, PRODUCERS, STOCK, Section
from kuznia.web import forms, results
from kuznia.web.i18n import N_
from kuznia.web.nav import may_read, may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.session import ViewerDep

router = APIRouter()
SERIES = ("capacity", "price")
LINE_FIELDS = ("capacity", "price", "lead_time", "min_rate")
NEW_LINE_FIELDS = ("code", "item", *LINE_FIELDS)
EXPANSION_FIELDS = ("start", "delay", "added_capacity", "capex")
NEW_EXPANSION_FIELDS = ("code", "line", *EXPANSION_FIELDS)


def _require_write(viewer: Viewer, section: Section) -> None:
    if not may_write(viewer.scope, section.name):
        raise Forbidden(f"role {viewer.scope.role.value} may not write {section.name}")


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


# How the fields of a new line and of an expansion are read (codes and choices apart).
NEW_LINE_READERS: dict[str, Callable[[str], Any]] = {
    "capacity": _amount,
    "price": _amount,
    "lead_time": _months_count,
    "min_rate": _amount,
}
EXPANSION_READERS: dict[str, Callable[[str], Any]] = {
    "start": _months_count,
    "delay": _months_count,
    "added_capacity": _amount,
    "capex": _amount,
}


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
    line: RecordFields | None,
    producer: RecordFields | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    refusal: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A line's form: a new line of `producer` when `line` is None, else `line`'s."""
    months, start = _months(session, viewer)
    items = results.records(session=session, scope=viewer.scope, section=ITEMS)
    item_code = line["item"] if line else values.get("item")
    item = next((i for i in items if i["code"] == item_code), None)
    return render(
        request,
        "line_form.html",
        {
            "line": line,
            "item": item or {"name": item_code or "", "unit": ""},
            "items": items,
            "producer": producer,
            "values": values,
            "errors": errors or {},
            "general": general or [],
            "refusal": refusal or [],
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


def _get(session: Session, viewer: Viewer, section: Section, record_id: int) -> RecordFields:
    """A record the caller may change (404 for one it may not see, as for none)."""
    _require_write(viewer, section)
    return registry_service.get_record(
        session=session, section=section, scope=viewer.scope, record_id=record_id
    ).model_dump()


def _own_producer(session: Session, viewer: Viewer, producer_id: int) -> RecordFields:
    """The producer whose lines and expansions are added to: 404 for another producer."""
    _require_write(viewer, LINES)
    return registry_service.get_record(
        session=session, section=PRODUCERS, scope=viewer.scope, record_id=producer_id
    ).model_dump()


def _text(form: Any, name: str, errors: dict[str, str]) -> str:
    """A required code or choice typed into the form (a message under `name` when empty)."""
    value = str(form.get(name, "")).strip()
    if not value:
        errors[name] = forms.REQUIRED
    return value


def _read(
    form: Any, readers: dict[str, Callable[[str], Any]], errors: dict[str, str]
) -> dict[str, Any]:
    """The fields `readers` read from the form; a message under each field it cannot read."""
    read: dict[str, Any] = {}
    for name, reader in readers.items():
        try:
            read[name] = reader(str(form.get(name, "")))
        except forms.FormError as error:
            errors[name] = str(error)
    return read


def _save(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    section: Section,
    record_id: int | None,
    version: int | None,
    changes: dict[str, Any],
    errors: dict[str, str],
    fields: tuple[str, ...],
    show: Callable[[dict[str, str], list[str], int], HTMLResponse],
    general: list[str] | None = None,
) -> Response:
    """Add (`record_id` None) or change a line or an expansion through the registry service.
    The form again (`show`) with the messages beside their fields (`general`: above the form)
    when it cannot be read (`version` None: the form's version is no number) or the service
    refuses; else the producer's page, the record marked as saved."""
    if errors or general or version is None:
        return show(errors, general or [], 422)

    def call() -> RecordRead:
        if record_id is None:
            return registry_service.create_record(
                session=session, section=section, scope=viewer.scope, fields=changes
            )
        return registry_service.update_record(
            session=session,
            section=section,
            scope=viewer.scope,
            record_id=record_id,
            version=version,
            changes=changes,
        )

    state = forms.FormState()
    lang = language_of(request)

    def taken(error: KuzniaError) -> int | None:
        # a code another record has: said beside the code, in the page's words
        if not isinstance(error, Conflict) or "code" not in fields:
            return None
        if not any(problem.code == "code_taken" for problem in error.problems):
            return None
        state.errors["code"] = lang.gettext(CODE_TAKEN, code=changes.get("code", ""))
        return error.status

    outcome = forms.submit(
        call, session=session, state=state, fields=fields, lang=lang, refused=taken
    )
    if isinstance(outcome, forms.Refused):
        return show(_place_series(state.errors), state.general, outcome.status_code)
    saved = outcome.model_dump()
    line = saved if section is LINES else _line_of(session, viewer, saved["line"])
    return RedirectResponse(_back_to_producer(session, viewer, line, saved["id"]), status_code=303)


def _line_of(session: Session, viewer: Viewer, code: str) -> RecordFields | None:
    lines = results.records(
        session=session, scope=viewer.scope, section=LINES, filters={"code": code}
    )
    return lines[0] if lines else None


def _back_to_producer(
    session: Session, viewer: Viewer, line: RecordFields | None, record_id: int
) -> str:
    producer = _producer_of(session, viewer, line["producer"]) if line else None
    if producer is None:
        return forms.with_saved("/industry/lines", record_id)
    return forms.with_saved(f"/industry/producers/{producer['id']}", record_id)


@router.get(
    "/industry/producers/{producer_id}/lines/new",
    include_in_schema=False,
    response_class=HTMLResponse,
)
def new_line(
    request: Request, session: SessionDep, viewer: ViewerDep, producer_id: Key
) -> Response:
    """The form of a new line of a producer the caller may change."""
    producer = _own_producer(session, viewer, producer_id)
    values = {"lead_time": 0, "min_rate": 0, "item": "", "code": "", "capacity": "", "price": ""}
    return _line_form(request, session, viewer, line=None, producer=producer, values=values)


@router.post(
    "/industry/producers/{producer_id}/lines", include_in_schema=False, response_class=HTMLResponse
)
def create_line(
    request: Request, session: SessionDep, viewer: ViewerDep, producer_id: Key, form: forms.FormDep
) -> Response:
    """Add a line to a producer: one capacity and price for every month (a ramp is made on
    the line's own form afterwards)."""
    producer = _own_producer(session, viewer, producer_id)
    errors: dict[str, str] = {}
    changes = {
        "code": _text(form, "code", errors),
        "producer": producer["code"],
        "item": _text(form, "item", errors),
        **_read(form, NEW_LINE_READERS, errors),
    }
    values = {name: form.get(name, "") for name in NEW_LINE_FIELDS}

    def show(errors: dict[str, str], general: list[str], status_code: int) -> HTMLResponse:
        return _line_form(
            request, session, viewer, line=None, producer=producer, values=values,
            errors=errors, general=general, status_code=status_code,
        )  # fmt: skip

    return _save(
        request, session, viewer, section=LINES, record_id=None, version=0, changes=changes,
        errors=errors, fields=NEW_LINE_FIELDS, show=show,
    )  # fmt: skip


@router.get("/industry/lines/{line_id}/edit", include_in_schema=False, response_class=HTMLResponse)
def edit_line(request: Request, session: SessionDep, viewer: ViewerDep, line_id: Key) -> Response:
    """A line's form; 404 for a line the caller may not change (another producer's)."""
    line = _get(session, viewer, LINES, line_id)
    months, _ = _months(session, viewer)
    producer = _producer_of(session, viewer, line["producer"])
    return _line_form(
        request, session, viewer, line=line, producer=producer, values=_line_values(line, months)
    )


@router.post("/industry/lines/{line_id}", include_in_schema=False, response_class=HTMLResponse)
def update_line(
    request: Request, session: SessionDep, viewer: ViewerDep, line_id: Key, form: forms.FormDep
) -> Response:
    line = _get(session, viewer, LINES, line_id)
    months, _ = _months(session, viewer)
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {
        name: _read_series(form, name, line[name], months, errors) for name in SERIES
    }
    changes |= _read(form, {"lead_time": _months_count, "min_rate": _amount}, errors)
    values = {
        **{name: [form.get(f"{name}.{m}", "") for m in range(months)] for name in SERIES},
        "lead_time": form.get("lead_time", ""),
        "min_rate": form.get("min_rate", ""),
        "version": form.get("version", ""),
    }
    general: list[str] = []
    version = forms.version(form, general, language_of(request))
    producer = _producer_of(session, viewer, line["producer"])

    def show(errors: dict[str, str], general: list[str], status_code: int) -> HTMLResponse:
        return _line_form(
            request, session, viewer, line=line, producer=producer, values=values,
            errors=errors, general=general, status_code=status_code,
        )  # fmt: skip

    return _save(
        request, session, viewer, section=LINES, record_id=line_id, version=version,
        changes=changes, errors=errors, fields=LINE_FIELDS, show=show, general=general,
    )  # fmt: skip


# --- Deleting a line or an expansion --------------------------------------------------------

# What refers to a line or an expansion, as a refusal to delete it says it (the service's
# problems of code `still_referenced`, by field).
CODE_TAKEN = N_('The code "%(code)s" is taken: choose another.')
REFERRING = {
    "expansions": N_("Expansion options on it: %(codes)s"),
    "commitments": N_("Signed commitments on it (ids): %(codes)s"),
    "contracts": N_("Contracts for it: %(codes)s"),
    "guarantees": N_("Purchase guarantees for it: %(codes)s"),
    "active_plan_runs": N_("Plan runs queued or running with it in their input: %(codes)s"),
    "plan_runs": N_("Plan runs that use it: %(codes)s"),
}
LINE_REFERRED = N_(
    "This line cannot be deleted: other records refer to it. To stop planning it, set its "
    "capacity to 0."
)
EXPANSION_REFERRED = N_(
    "This expansion option cannot be deleted: plans chose it. To stop planning it, set its "
    "added capacity to 0."
)


def _delete(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    section: Section,
    record: RecordFields,
    line: RecordFields | None,
    form: Any,
    show: Callable[[list[str], list[str], int], HTMLResponse],
) -> Response:
    """Delete a line or an expansion through the registry service, on the version shown;
    refused (the form again, saying what refers to it) while anything refers to it, or
    when the form's version is no number (422)."""
    lang = language_of(request)
    refusal: list[str] = []
    state = forms.FormState()
    version = forms.version(form, state.general, lang)
    if version is None:
        return show(refusal, state.general, 422)

    def referred(error: KuzniaError) -> int | None:
        found = [p for p in error.problems if p.code == "still_referenced"]
        if not isinstance(error, Conflict) or not found:
            return None
        lead = LINE_REFERRED if section is LINES else EXPANSION_REFERRED
        refusal.append(lang.gettext(lead))
        for problem in found:
            worded = REFERRING.get(problem.field, "%(codes)s")
            refusal.append(lang.gettext(worded, codes=problem.message))
        return error.status

    outcome = forms.submit(
        lambda: registry_service.delete_record(
            session=session,
            section=section,
            scope=viewer.scope,
            record_id=record["id"],
            version=version,
        ),
        session=session,
        state=state,
        fields=(),
        lang=lang,
        refused=referred,
    )
    if isinstance(outcome, forms.Refused):
        return show(refusal, state.general, outcome.status_code)
    producer = _producer_of(session, viewer, line["producer"]) if line else None
    target = f"/industry/producers/{producer['id']}" if producer else "/industry/lines"
    return RedirectResponse(f"{target}?deleted=1", status_code=303)


@router.post(
    "/industry/lines/{line_id}/delete", include_in_schema=False, response_class=HTMLResponse
)
def delete_line(
    request: Request, session: SessionDep, viewer: ViewerDep, line_id: Key, form: forms.FormDep
) -> Response:
    """Delete a line nothing refers to; else its form again, saying what refers to it."""
    line = _get(session, viewer, LINES, line_id)
    months, _ = _months(session, viewer)
    producer = _producer_of(session, viewer, line["producer"])

    def show(refusal: list[str], general: list[str], status_code: int) -> HTMLResponse:
        return _line_form(
            request, session, viewer, line=line, producer=producer,
            values=_line_values(line, months), general=general, refusal=refusal,
            status_code=status_code,
        )  # fmt: skip

    return _delete(
        request, session, viewer, section=LINES, record=line, line=line, form=form, show=show
    )


# --- Expansions -----------------------------------------------------------------------------


def _expansion_form(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    expansion: RecordFields | None,
    producer: RecordFields | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    refusal: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """An expansion's form: a new one on a line of `producer` when `expansion` is None."""
    months, start = _months(session, viewer)
    lines = (
        results.records(
            session=session,
            scope=viewer.scope,
            section=LINES,
            filters={"producer": producer["code"]},
        )
        if producer
        else []
    )
    return render(
        request,
        "expansion_form.html",
        {
            "expansion": expansion,
            "producer": producer,
            "lines": lines,
            "values": values,
            "errors": errors or {},
            "general": general or [],
            "refusal": refusal or [],
            "months": months,
            "start": start,
        },
        viewer=viewer,
        status_code=status_code,
    )


def _producer_of_expansion(
    session: Session, viewer: Viewer, expansion: RecordFields
) -> tuple[RecordFields | None, RecordFields | None]:
    """The line of an expansion and the line's producer, as the caller sees them."""
    line = _line_of(session, viewer, expansion["line"])
    return line, (_producer_of(session, viewer, line["producer"]) if line else None)


@router.get(
    "/industry/producers/{producer_id}/expansions/new",
    include_in_schema=False,
    response_class=HTMLResponse,
)
def new_expansion(
    request: Request, session: SessionDep, viewer: ViewerDep, producer_id: Key
) -> Response:
    """The form of a new expansion option on one of a producer's lines."""
    _require_write(viewer, EXPANSIONS)
    producer = _own_producer(session, viewer, producer_id)
    chosen = request.query_params.get("line", "")
    values = {"code": "", "line": chosen, "added_capacity": "", "capex": "", "start": 0}
    values["delay"] = 0
    return _expansion_form(
        request, session, viewer, expansion=None, producer=producer, values=values
    )


@router.post(
    "/industry/producers/{producer_id}/expansions",
    include_in_schema=False,
    response_class=HTMLResponse,
)
def create_expansion(
    request: Request, session: SessionDep, viewer: ViewerDep, producer_id: Key, form: forms.FormDep
) -> Response:
    _require_write(viewer, EXPANSIONS)
    producer = _own_producer(session, viewer, producer_id)
    errors: dict[str, str] = {}
    changes = {
        "code": _text(form, "code", errors),
        "line": _text(form, "line", errors),
        **_read(form, EXPANSION_READERS, errors),
    }
    values = {name: form.get(name, "") for name in NEW_EXPANSION_FIELDS}

    def show(errors: dict[str, str], general: list[str], status_code: int) -> HTMLResponse:
        return _expansion_form(
            request, session, viewer, expansion=None, producer=producer, values=values,
            errors=errors, general=general, status_code=status_code,
        )  # fmt: skip

    return _save(
        request, session, viewer, section=EXPANSIONS, record_id=None, version=0,
        changes=changes, errors=errors, fields=NEW_EXPANSION_FIELDS, show=show,
    )  # fmt: skip


@router.get(
    "/industry/expansions/{expansion_id}/edit",
    include_in_schema=False,
    response_class=HTMLResponse,
)
def edit_expansion(
    request: Request, session: SessionDep, viewer: ViewerDep, expansion_id: Key
) -> Response:
    expansion = _get(session, viewer, EXPANSIONS, expansion_id)
    values = {name: expansion[name] for name in (*EXPANSION_FIELDS, "version")}
    _, producer = _producer_of_expansion(session, viewer, expansion)
    return _expansion_form(
        request, session, viewer, expansion=expansion, producer=producer, values=values
    )


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
    expansion = _get(session, viewer, EXPANSIONS, expansion_id)
    errors: dict[str, str] = {}
    changes = _read(form, EXPANSION_READERS, errors)
    values = {
        **{name: form.get(name, "") for name in EXPANSION_FIELDS},
        "version": form.get("version", ""),
    }
    general: list[str] = []
    version = forms.version(form, general, language_of(request))
    _, producer = _producer_of_expansion(session, viewer, expansion)

    def show(errors: dict[str, str], general: list[str], status_code: int) -> HTMLResponse:
        return _expansion_form(
            request, session, viewer, expansion=expansion, producer=producer, values=values,
            errors=errors, general=general, status_code=status_code,
        )  # fmt: skip

    return _save(
        request, session, viewer, section=EXPANSIONS, record_id=expansion_id,
        version=version, changes=changes, errors=errors, fields=EXPANSION_FIELDS,
        show=show, general=general,
    )  # fmt: skip


@router.post(
    "/industry/expansions/{expansion_id}/delete",
    include_in_schema=False,
    response_class=HTMLResponse,
)
def delete_expansion(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    expansion_id: Key,
    form: forms.FormDep,
) -> Response:
    """Delete an expansion option no plan chose; else its form again, saying which did."""
    expansion = _get(session, viewer, EXPANSIONS, expansion_id)
    line, producer = _producer_of_expansion(session, viewer, expansion)
    values = {name: expansion[name] for name in (*EXPANSION_FIELDS, "version")}

    def show(refusal: list[str], general: list[str], status_code: int) -> HTMLResponse:
        return _expansion_form(
            request, session, viewer, expansion=expansion, producer=producer, values=values,
            general=general, refusal=refusal, status_code=status_code,
        )  # fmt: skip

    return _delete(
        request, session, viewer, section=EXPANSIONS, record=expansion, line=line, form=form,
        show=show,
    )  # fmt: skip


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
    general: list[str] = []
    version = forms.version(form, general, language_of(request))
    values = {"quantity": form.get("quantity", ""), "version": form.get("version", "")}
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
            general=general,
            status_code=422,
        )
    if version is None:
        return _stock_page(
            request,
            session,
            viewer,
            editing=stock_id,
            values=values,
            general=general,
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
