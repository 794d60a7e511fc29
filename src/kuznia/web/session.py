"""Logging in to the pages: the session cookie holds a token from the auth service's login
(the same tokens as the API's, stored hashed, revocable, expiring), sent only over HTTP
(HttpOnly: no script can read it) and not with cross-site posts (SameSite=Lax)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.exc import SQLAlchemyError

from kuznia.auth import repository as auth_repository
from kuznia.auth import service as auth_service
from kuznia.auth.dependencies import SessionDep
from kuznia.errors import Forbidden, NotAuthenticated
from kuznia.web.pages import Viewer

SESSION_COOKIE = "kuznia_session"


class LoginRequired(Exception):
    """Raised when a page needs a logged-in person and the request has no live session;
    answered with a redirect to the login page (which comes back to `next` afterwards)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def safe_next(path: str | None, default: str = "/overview") -> str:
    """A path on this site to go to after a login or a language switch; anything else (another
    site, `//host`, a scheme) becomes `default`, so a link cannot send people elsewhere."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    return path


def login_url(next_path: str) -> str:
    return "/login?" + urlencode({"next": safe_next(next_path)})


def set_session_cookie(response: Response, *, request: Request, token: str, hours: float) -> None:
    """Keep the token in the browser for as long as it is valid."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(hours * 3600),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def check_same_origin(request: Request) -> None:
    """Refuse a form post another site made the browser send (a second guard beside
    SameSite=Lax, for browsers that ignore it): its Origin, when given, must be this site."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = f"{request.url.scheme}://{request.url.netloc}"
        if origin.rstrip("/") != expected:
            raise Forbidden(f"a form of another site ({origin}) cannot post here")


def current_viewer(request: Request, session: SessionDep) -> Viewer:
    """The logged-in person, or LoginRequired."""
    token = request.cookies.get(SESSION_COOKIE)
    target = request.url.path + ("?" + request.url.query if request.url.query else "")
    if request.headers.get("hx-request"):
        # a fragment's URL is no page to come back to: come back to the page it was on
        target = request.headers.get("hx-current-url", "/overview")
        target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/overview"
    if not token:
        raise LoginRequired(target)
    try:
        scope = auth_service.authenticate(session=session, token=token)
    except NotAuthenticated:
        raise LoginRequired(target) from None
    user = auth_repository.user_by_id(session=session, user_id=scope.user_id)
    if request.method not in ("GET", "HEAD"):
        check_same_origin(request)
    viewer = Viewer(
        scope=scope,
        email=user.email if user else "",
        organisation=user.organisation.name if user else "",
        token=token,
    )
    request.state.viewer = viewer
    return viewer


def viewer_of(request: Request) -> Viewer | None:
    """The logged-in person of a request, also when an error cut it short before its route
    knew them (a refused form keeps the navigation); None without a live session."""
    known: Viewer | None = getattr(request.state, "viewer", None)
    token = request.cookies.get(SESSION_COOKIE)
    if known is not None or not token:
        return known
    try:
        with request.app.state.sessions() as session:
            scope = auth_service.authenticate(session=session, token=token)
            user = auth_repository.user_by_id(session=session, user_id=scope.user_id)
            viewer = Viewer(
                scope=scope,
                email=user.email if user else "",
                organisation=user.organisation.name if user else "",
                token=token,
            )
            session.rollback()
            return viewer
    except (NotAuthenticated, SQLAlchemyError):
        return None


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
