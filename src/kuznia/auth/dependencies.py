"""What every API route may ask for: a database session in one transaction, the settings,
and the caller's scope from its bearer token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from kuznia.auth import service as auth_service
from kuznia.auth.permissions import Scope
from kuznia.db.engine import SQLITE_BEGIN
from kuznia.errors import NotAuthenticated
from kuznia.settings import Settings

bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/login.")


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request: committed when the route returns, rolled back if it raises."""
    session: Session = request.app.state.sessions()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        # A request that writes takes SQLite's write lock when it begins (see db.engine).
        session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the commit happens before the response is sent, so a client that has its
# answer reads its own write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def bearer_token(credentials: Credentials) -> str:
    """The bearer token the request carries."""
    if credentials is None or not credentials.credentials:
        raise NotAuthenticated("log in first: send Authorization: Bearer <token>")
    return credentials.credentials


TokenDep = Annotated[str, Depends(bearer_token)]


def current_scope(session: SessionDep, token: TokenDep, settings: SettingsDep) -> Scope:
    """The scope of the user whose token the request carries (remembered for
    `token_cache_seconds`: `kuznia.auth.cache`)."""
    return auth_service.authenticate(
        session=session, token=token, cache_seconds=settings.token_cache_seconds
    )


ScopeDep = Annotated[Scope, Depends(current_scope)]
