"""Users: who may log in, in which role and organisation. Administrators add users (the
password policy applies), change a user's role and organisation, reset a password and
deactivate or reactivate a user, through the auth service as the API's /users does (a new
password, another organisation or a deactivation logs the user out everywhere). Auditors read
the list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kuznia.auth import service as auth_service
from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.models import Organisation, Role, User
from kuznia.pagination import Key, PageParams
from kuznia.web import forms
from kuznia.web.i18n import N_
from kuznia.web.nav import may_write
from kuznia.web.pages import Viewer, language_of, render
from kuznia.web.session import ViewerDep

router = APIRouter()
NEW_FIELDS = ("email", "password", "role", "organisation")
EDIT_FIELDS = ("role", "organisation", "password", "active")
CHOOSE_ROLE = N_("Choose a role.")
CHOOSE_ORGANISATION = N_("Choose an organisation.")
PASSWORDS_DIFFER = N_("The two passwords differ.")


def _organisations(session: Session, viewer: Viewer) -> Sequence[Organisation]:
    return auth_service.list_organisations(session=session, scope=viewer.scope)


def _list_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found, total = auth_service.list_users(
        session=session, scope=viewer.scope, page=PageParams(limit=500, offset=0)
    )
    may_edit = may_write(viewer.scope, "users")
    return render(
        request,
        "users.html",
        {
            "users": found,
            "total": total,
            "may_edit": may_edit,
            "roles": list(Role),
            "organisations": _organisations(session, viewer) if may_edit else [],
            "form": state or forms.FormState(),
            "saved": request.query_params.get("saved"),
        },
        viewer=viewer,
        status_code=status_code,
    )


@router.get("/users", include_in_schema=False, response_class=HTMLResponse)
def users(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    return _list_page(request, session, viewer)


def _role(text: str, errors: dict[str, str]) -> Role | None:
    try:
        return Role(text)
    except ValueError:
        errors["role"] = CHOOSE_ROLE
        return None


@router.post("/users", include_in_schema=False, response_class=HTMLResponse)
def add_user(
    request: Request, session: SessionDep, viewer: ViewerDep, form: forms.FormDep
) -> Response:
    """Add a user; the service's objections beside the fields."""
    viewer.scope.require("users", Action.write)
    values = {name: str(form.get(name, "")).strip() for name in NEW_FIELDS}
    values["password"] = str(form.get("password", ""))
    repeated = str(form.get("repeated_password", ""))
    state = forms.FormState(values={**values, "password": ""})
    role = _role(values["role"], state.errors)
    if not values["organisation"]:
        state.errors["organisation"] = CHOOSE_ORGANISATION
    if values["password"] != repeated:
        state.errors["repeated_password"] = PASSWORDS_DIFFER
    if state.errors or role is None:
        return _list_page(request, session, viewer, state=state, status_code=422)
    outcome = forms.submit(
        lambda: auth_service.add_user(
            session=session,
            email=values["email"],
            password=values["password"],
            role=role,
            organisation=values["organisation"],
        ),
        session=session,
        state=state,
        fields=NEW_FIELDS,
        lang=language_of(request),
    )
    if isinstance(outcome, forms.Refused):
        return _list_page(request, session, viewer, state=state, status_code=outcome.status_code)
    return RedirectResponse(forms.with_saved("/users", outcome.id), status_code=303)


def _edit_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    user: User,
    state: forms.FormState,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "user_form.html",
        {
            "user": user,
            "roles": list(Role),
            "organisations": _organisations(session, viewer),
            "form": state,
        },
        viewer=viewer,
        status_code=status_code,
    )


def _values(user: User) -> dict[str, Any]:
    return {
        "role": user.role.value,
        "organisation": user.organisation.name,
        "active": user.active,
        "version": user.version,
    }


@router.get("/users/{user_id}/edit", include_in_schema=False, response_class=HTMLResponse)
def edit_user(
    request: Request, session: SessionDep, viewer: ViewerDep, user_id: Key
) -> HTMLResponse:
    viewer.scope.require("users", Action.write)
    user = auth_service.get_user(session=session, scope=viewer.scope, user_id=user_id)
    return _edit_page(
        request, session, viewer, user=user, state=forms.FormState(values=_values(user))
    )


@router.post("/users/{user_id}", include_in_schema=False, response_class=HTMLResponse)
def update_user(
    request: Request, session: SessionDep, viewer: ViewerDep, user_id: Key, form: forms.FormDep
) -> Response:
    """Change a user's role, organisation or whether it may log in, or give it a new password
    (left empty: the password stays)."""
    viewer.scope.require("users", Action.write)
    user = auth_service.get_user(session=session, scope=viewer.scope, user_id=user_id)
    password = str(form.get("password", ""))
    values: dict[str, Any] = {
        "role": str(form.get("role", "")),
        "organisation": str(form.get("organisation", "")).strip(),
        "active": form.get("active") == "on",
        "version": form.get("version", ""),
    }
    state = forms.FormState(values=values)
    version = forms.version(form, state.general, language_of(request))
    role = _role(values["role"], state.errors)
    if not values["organisation"]:
        state.errors["organisation"] = CHOOSE_ORGANISATION
    if password != str(form.get("repeated_password", "")):
        state.errors["repeated_password"] = PASSWORDS_DIFFER
    if state.errors or role is None or version is None:
        return _edit_page(request, session, viewer, user=user, state=state, status_code=422)
    outcome = forms.submit(
        lambda: auth_service.update_user(
            session=session,
            user_id=user_id,
            version=version,
            active=values["active"],
            role=role,
            password=password or None,
            organisation=values["organisation"],
        ),
        session=session,
        state=state,
        fields=EDIT_FIELDS,
        lang=language_of(request),
    )
    if isinstance(outcome, forms.Refused):
        session.expire_all()
        user = auth_service.get_user(session=session, scope=viewer.scope, user_id=user_id)
        return _edit_page(
            request, session, viewer, user=user, state=state, status_code=outcome.status_code
        )
    return RedirectResponse(forms.with_saved("/users", user_id), status_code=303)
