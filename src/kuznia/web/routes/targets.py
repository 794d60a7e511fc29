"""Targets: each national target against the approved plan and the accepted output, month
by month (a table and a chart), its status with the reason, and the contracts behind its plan
(each contract's page shows its schedule against what the depots accepted); planners add and
remove targets here through the targets service, its messages shown beside the fields."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.errors import Forbidden, InvalidInput, NotFound
from kuznia.pagination import Key
from kuznia.targets import service as targets_service
from kuznia.targets.schemas import TargetCreate, TargetProgress
from kuznia.web import execution, forms
from kuznia.web.i18n import N_, Language
from kuznia.web.nav import may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.session import ViewerDep
from kuznia.web.target_charts import target_chart

router = APIRouter()
FIELDS = ("category", "item", "period", "quantity", "multiple", "base_month", "note")
NOT_A_DAY = N_("Enter a day as YYYY-MM-DD, for example 2026-11-24.")


def period_label(period: str, lang: Language) -> str:
    """A month as the language writes it, a quarter as `Q4 2026`."""
    if "-Q" in period:
        year, quarter = period.split("-Q")
        return lang.gettext("Q%(quarter)s %(year)s", quarter=quarter, year=year)
    return lang.month(period, 0)


def _page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    scope = viewer.scope
    lang = language_of(request)
    as_of, readable = execution.read_day(request.query_params.get("as_of"), execution.today())
    report = targets_service.target_report(session=session, scope=scope, as_of=as_of)
    groups: dict[str, list[TargetProgress]] = {}
    for target in report.targets:
        groups.setdefault(target.category, []).append(target)
    charts = {target.id: target_chart(target, lang) for target in report.targets}
    categories = targets_service.categories(session=session, scope=scope)
    return render(
        request,
        "targets.html",
        {
            "report": report,
            "as_of": as_of,
            "as_of_error": None if readable else NOT_A_DAY,
            "groups": groups,
            "charts": charts,
            "categories": categories,
            "period_label": lambda period: period_label(period, lang),
            "may_edit": may_write(scope, "targets"),
            "values": values or {},
            "errors": errors or {},
            "general": general or [],
            "saved": request.query_params.get("saved"),
            "removed": request.query_params.get("removed"),
        },
        viewer=viewer,
        status_code=status_code,
    )


@router.get("/targets", include_in_schema=False, response_class=HTMLResponse)
def targets(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    viewer.scope.require("targets", Action.read)
    return _page(request, session, viewer)


def _require_write(viewer: Viewer) -> None:
    if not may_write(viewer.scope, "targets"):
        raise Forbidden(f"role {viewer.scope.role.value} may not write targets")


def _read_form(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The target's fields typed into the form, and a message per field that cannot be read."""
    fields: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in ("category", "item", "period", "base_month", "note"):
        fields[name] = str(form.get(name, "")).strip() or None
    fields["note"] = fields["note"] or ""
    for name in ("category", "period"):
        if fields[name] is None:
            errors[name] = forms.REQUIRED
    for name in ("quantity", "multiple"):
        text = str(form.get(name, "")).strip()
        fields[name] = None
        if text:
            fields[name] = forms.quantity(form, name, errors, positive=True)
    return fields, errors


@router.post("/targets", include_in_schema=False, response_class=HTMLResponse)
def create_target(
    request: Request, session: SessionDep, viewer: ViewerDep, form: forms.FormDep
) -> Response:
    _require_write(viewer)
    fields, errors = _read_form(form)
    values = dict(form)
    if not errors:
        try:
            created = targets_service.create_target(
                session=session, scope=viewer.scope, body=TargetCreate(**fields)
            )
        except ValidationError as error:
            errors.update(forms.validation_errors(error, FIELDS))
        except InvalidInput as error:
            problems = forms.in_words(error.problems, language_of(request))
            placed, rest = forms.by_field(problems, FIELDS)
            errors.update(placed)
            return _page(
                request, session, viewer, values=values, errors=errors, general=rest,
                status_code=422,
            )  # fmt: skip
        else:
            return RedirectResponse(
                f"/targets?saved={created.id}#target-{created.id}", status_code=303
            )
    return _page(request, session, viewer, values=values, errors=errors, status_code=422)


@router.post("/targets/{target_id}/delete", include_in_schema=False, response_class=HTMLResponse)
def delete_target(session: SessionDep, viewer: ViewerDep, target_id: Key) -> Response:
    _require_write(viewer)
    # removed already (a second click): the page shows it gone either way
    with suppress(NotFound):
        targets_service.delete_target(session=session, scope=viewer.scope, target_id=target_id)
    return RedirectResponse("/targets?removed=1", status_code=303)
