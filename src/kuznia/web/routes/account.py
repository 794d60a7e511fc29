"""Logging in and out, and choosing the language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kuznia.auth import service as auth_service
from kuznia.auth.dependencies import SessionDep, SettingsDep
from kuznia.auth.throttle import ThrottleRules
from kuznia.errors import NotAuthenticated
from kuznia.web.i18n import LANGUAGE_COOKIE, LANGUAGES, N_
from kuznia.web.pages import render
from kuznia.web.session import (
    SESSION_COOKIE,
    check_same_origin,
    clear_session_cookie,
    current_viewer,
    safe_next,
    set_session_cookie,
)
from kuznia.web.session import LoginRequired as _LoginRequired

router = APIRouter()

WRONG_LOGIN = N_("Wrong email or password, or the account is not active.")


def _login_page(
    request: Request,
    *,
    next_path: str,
    email: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "login.html",
        {"next": safe_next(next_path), "email": email, "errors": errors or {}},
        status_code=status_code,
    )


@router.get("/", include_in_schema=False)
def home() -> Response:
    """The start page: the overview (which asks for a login first if needed)."""
    return RedirectResponse("/overview", status_code=303)


@router.get("/login", include_in_schema=False, response_class=HTMLResponse)
def login_form(request: Request, session: SessionDep, next: str = "/overview") -> Response:
    """The login form; someone already logged in goes on to where they were going."""
    if request.cookies.get(SESSION_COOKIE):
        try:
            current_viewer(request, session)
            return RedirectResponse(safe_next(next), status_code=303)
        except _LoginRequired:
            pass
    return _login_page(request, next_path=next)


@router.post("/login", include_in_schema=False, response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/overview",
) -> Response:
    """Check the credentials with the auth service; on success keep its token in the session
    cookie and go on."""
    check_same_origin(request)
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = N_("Enter your email.")
    if not password:
        errors["password"] = N_("Enter your password.")
    if not errors:
        try:
            token, _ = auth_service.login(
                session=session, email=email, password=password, hours=settings.token_hours,
                address=request.client.host if request.client else None,
                rules=ThrottleRules.from_settings(settings),
            )  # fmt: skip
        except NotAuthenticated:
            errors["password"] = WRONG_LOGIN
        else:
            response = RedirectResponse(safe_next(next), status_code=303)
            set_session_cookie(response, request=request, token=token, hours=settings.token_hours)
            return response
    return _login_page(request, next_path=next, email=email, errors=errors, status_code=400)


@router.post("/logout", include_in_schema=False)
def logout(request: Request, session: SessionDep) -> Response:
    """Revoke the session's token and forget it."""
    check_same_origin(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth_service.logout(session=session, token=token)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/language/{code}", include_in_schema=False)
def choose_language(code: str, next: str = "/overview") -> Response:
    """Switch the pages to `code` (uk, en) and remember it for a year."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", path="/"
        )
    return response
