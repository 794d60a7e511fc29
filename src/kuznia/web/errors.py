"""Errors on pages are pages: the API's handlers keep answering JSON under /api, and every
other path gets an HTML page in the person's language that says what happened and where to go
next (a missing login is a redirect to the login page)."""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from kuznia.api import API_PREFIX
from kuznia.errors import KuzniaError
from kuznia.web.i18n import N_, Language
from kuznia.web.pages import language_of, render
from kuznia.web.session import LoginRequired, login_url, viewer_of

log = logging.getLogger("kuznia.web")

Handler = Callable[[Request, Any], Response | Awaitable[Response]]

TITLES = {
    400: N_("The request could not be read"),
    401: N_("Please log in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    409: N_("Conflict"),
    422: N_("Check what you entered"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
    503: N_("The database is not available"),
}
HINTS = {
    403: N_("Your role may not see or do this. The menu shows the pages you can use."),
    404: N_("There is no such page, or it is not one you may see."),
    409: N_("What you asked clashes with what is stored now."),
    429: N_("Too many failed logins: wait a little, then try again."),
    500: N_("The error was logged. Try again, or go back to the overview."),
    503: N_("Nothing was done. Try again in a few seconds."),
}


def is_api(request: Request) -> bool:
    return request.url.path == API_PREFIX or request.url.path.startswith(API_PREFIX + "/")


def error_page(
    request: Request, status: int, detail: str | None, headers: dict[str, str] | None = None
) -> Response:
    """An error page (or, for an HTMX request, a small fragment it can show)."""
    template = "_error_fragment.html" if request.headers.get("hx-request") else "error.html"
    language = language_of(request)
    said = _in_words(detail, language) if detail and status < 500 else None
    return render(
        request,
        template,
        context={
            "status": status,
            "title": TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400]),
            "hint": HINTS.get(status),
            # what went wrong in the page's language where Kuznia can say it; else the
            # service's own words, marked as English (they name fields and values exactly)
            "said": said,
            "detail": detail if status < 500 and said is None else None,
        },
        viewer=viewer_of(request) if status < 500 else None,
        status_code=status,
        headers=headers,
    )


FORBIDDEN = re.compile(r"^role (\w+) may not (read|write) (\w+)$")
FORBIDDEN_SAID = N_("The role %(role)s may not %(action)s: %(what)s.")
ACTIONS = {"read": N_("see"), "write": N_("change")}


def _in_words(detail: str, language: Language) -> str | None:
    """A service's refusal said in the page's language, when it is one Kuznia knows how to
    say ('role planner may not read users' -> 'Роль «планувальник» не може переглядати:
    користувачі.'); None for the others."""
    found = FORBIDDEN.match(detail)
    if found is None:
        return None
    role, action, resource = found.groups()
    return language.gettext(
        FORBIDDEN_SAID,
        role=language.term(role),
        action=language.gettext(ACTIONS[action]),
        what=language.term(resource),
    )


def login_redirect(request: Request, error: LoginRequired) -> Response:
    target = login_url(error.next_path)
    if request.headers.get("hx-request"):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def install_error_pages(app: FastAPI) -> None:
    """Wrap the app's error handlers: API paths keep theirs, pages get error pages. Call it
    after the API's handlers are added."""
    for key, handler in list(app.exception_handlers.items()):
        app.exception_handlers[key] = _for_pages(handler)

    async def needs_login(request: Request, error: Exception) -> Response:
        if not isinstance(error, LoginRequired):  # registered for LoginRequired only
            raise TypeError(f"needs_login got {type(error).__name__}")
        return login_redirect(request, error)

    app.exception_handlers[LoginRequired] = needs_login


def _for_pages(api_handler: Handler) -> Handler:
    async def handle(request: Request, error: Any) -> Response:
        if is_api(request):
            answer = api_handler(request, error)
            return await answer if inspect.isawaitable(answer) else answer
        if isinstance(error, KuzniaError):
            return error_page(request, error.status, error.detail, error.headers or None)
        if isinstance(error, HTTPException):
            # the HTTP status's own phrase ('Not Found') says nothing the title does not
            detail = str(error.detail)
            standard = detail.lower() == HTTPStatus(error.status_code).phrase.lower()
            return error_page(request, error.status_code, None if standard else detail)
        if type(error).__name__ == "OperationalError":  # the database is down or busy
            return error_page(request, 503, None, {"Retry-After": "5"})
        status = 422 if type(error).__name__ in ("RequestValidationError", "DataError") else 500
        if status == 500:
            log.exception(
                "unexpected error on %s %s", request.method, request.url.path, exc_info=error
            )
        if type(error).__name__ == "StaleDataError":
            status = 409
        return error_page(request, status, _validation_detail(error) if status == 422 else None)

    return handle


def _validation_detail(error: Any) -> str | None:
    """What a request's values got wrong, field by field ('a: Input should be a valid
    integer, got "K-1"'), from a validation error's list of problems."""
    problems = error.errors() if callable(getattr(error, "errors", None)) else []
    parts = []
    for problem in problems:
        field = ".".join(str(part) for part in problem.get("loc", ())[1:]) or "request"
        value = problem.get("input")
        shown = f' ("{value}")' if isinstance(value, str | int | float) else ""
        parts.append(f"{field}{shown}: {problem.get('msg', '')}")
    return "; ".join(parts) or None
