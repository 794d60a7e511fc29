"""Rendering pages: one Jinja2 environment over the package's templates, and what every page
is given (the language, the viewer, the navigation, the current path)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from markupsafe import Markup

from kuznia.auth.permissions import Scope
from kuznia.web import assets
from kuznia.web.i18n import LANGUAGE_COOKIE, LANGUAGE_NAMES, LANGUAGES, Language, negotiate
from kuznia.web.nav import sections_for

CURRENCY_SECONDS = 60.0


@dataclass(frozen=True)
class Viewer:
    """The person a page is for: their scope (role, organisation) and who they are."""

    scope: Scope
    email: str
    organisation: str
    token: str = field(repr=False)


def _to_json(value: Any) -> Markup:
    """JSON safe to put inside a <script> element (no '</script>' can close it early)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    # Safe by construction: json.dumps escapes quotes, and <, > and & are escaped here.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))  # noqa: S704


@cache
def environment() -> Environment:
    """The templates' environment (HTML autoescaped; undefined names are errors in tests)."""
    env = Environment(
        loader=PackageLoader("kuznia.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tojson_script"] = _to_json
    # a domain word in the page's language: `categories|map("term")|join(", ")`
    env.filters["term"] = pass_context(lambda context, value: context["lang"].term(value))
    env.globals["asset"] = assets.url
    return env


def instance_currency(request: Request) -> str:
    """The registry's currency (planning settings), written after amounts; read once a minute."""
    now = time.monotonic()
    cached = getattr(request.app.state, "web_currency", None)
    if cached is not None and now - cached[1] < CURRENCY_SECONDS:
        return str(cached[0])
    from kuznia.registry import settings  # pages are imported before the registry is

    try:
        with request.app.state.sessions() as session:
            currency = settings.currency(session=session) or ""
    except Exception:  # no registry yet, or a database that fails: amounts without currency
        return ""
    request.app.state.web_currency = (currency, now)
    return currency


def language_of(request: Request) -> Language:
    """The request's language: chosen before (cookie), else from the browser's wishes."""
    return Language(
        negotiate(
            cookie=request.cookies.get(LANGUAGE_COOKIE),
            accept_language=request.headers.get("accept-language"),
        )
    )


def query(request: Request, **changes: Any) -> str:
    """The current query string with some parameters changed (None removes one)."""
    params = dict(request.query_params)
    for name, value in changes.items():
        if value is None or value == "":
            params.pop(name, None)
        else:
            params[name] = str(value)
    return "?" + urlencode(params) if params else "?"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    viewer: Viewer | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page (or an HTMX fragment) rendered in the request's language, with the request's
    CSRF token for its forms (kuznia.web.csrf)."""
    from kuznia.web import csrf  # csrf reads the session cookie's name: imported late

    csrf_token, new_cookie = csrf.token_for(request)
    language = language_of(request)
    currency = (context or {}).get("currency") or (instance_currency(request) if viewer else "")
    language = Language(language.code, currency=str(currency or ""))
    path = request.url.path
    full = path + ("?" + request.url.query if request.url.query else "")
    values: dict[str, Any] = {
        "request": request,
        "lang": language,
        "_": language.gettext,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "path": path,
        "here": full,
        "viewer": viewer,
        "nav": sections_for(viewer.scope) if viewer else [],
        "query": lambda **changes: query(request, **changes),
        "csrf_token": csrf_token,
        "csrf_field": csrf.hidden_field(csrf_token),
    }
    values.update(context or {})
    html = environment().get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    if new_cookie is not None:
        csrf.set_cookie(response, request=request, value=new_cookie)
    return response
