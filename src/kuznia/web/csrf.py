"""Cross-site request forgery: every request that changes something on the pages (any method
but GET, HEAD and OPTIONS, outside the bearer-token API) carries a token another site cannot
know, in the form field `csrf_token` or the header `X-CSRF-Token` (HTMX sends it from the
`hx-headers` of <body>); without it the answer is 403 and nothing is done, whatever the Origin.

- With a session, the token is an HMAC of the constant "kuznia csrf" keyed by the session's
  login token: a script of another site can neither read the HttpOnly session cookie nor the
  page, so it cannot compute or copy it; every server process derives the same value, and a new
  login gives a new one.
- Before a login (the login form) there is no session: the page sets a random `kuznia_csrf`
  cookie and puts the same value in the form (double submit). A login with a stale session
  cookie may use either.

`protect` is a dependency of every page route (`kuznia.web.web_router`); `render` puts the
token in every page as `csrf_token` and `csrf_field` (the hidden input for forms).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup

from kuznia.errors import Forbidden
from kuznia.web.session import SESSION_COOKIE

CSRF_COOKIE = "kuznia_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def for_session(session_token: str) -> str:
    """The CSRF token of the session whose login token is `session_token`."""
    return hmac.new(session_token.encode(), b"kuznia csrf", hashlib.sha256).hexdigest()


def token_for(request: Request) -> tuple[str, str | None]:
    """The token a page for `request` carries, and a new pre-session cookie value to set (or
    None when the request has what it needs)."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return for_session(session), None
    cookie = request.cookies.get(CSRF_COOKIE)
    if cookie and len(cookie) == 43:
        return cookie, None
    new = secrets.token_urlsafe(32)
    return new, new


def hidden_field(token: str) -> Markup:
    """The hidden input every state-changing form carries."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


def set_cookie(response: Response, *, request: Request, value: str) -> None:
    """Keep the pre-session token in the browser (HttpOnly: only the form's copy is read)."""
    response.set_cookie(
        CSRF_COOKIE,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def _accepted(request: Request) -> list[str]:
    session = request.cookies.get(SESSION_COOKIE)
    cookie = request.cookies.get(CSRF_COOKIE)
    accepted = [for_session(session)] if session else []
    if cookie and (not session or request.url.path == "/login"):
        accepted.append(cookie)
    return accepted


async def protect(request: Request) -> None:
    """Refuse (403) a state-changing page request without this session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER)
    if not given and request.headers.get("content-type", "").startswith(_FORMS):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not given or not any(
        hmac.compare_digest(given.encode("utf-8", "replace"), token.encode())
        for token in _accepted(request)
    ):
        raise Forbidden(
            "the form carries no valid security token (CSRF): reload the page and send it again"
        )
