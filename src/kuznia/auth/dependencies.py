"""What every API route may ask for: a database session in one transaction, the settings,
and the caller's scope from its bearer token."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kuznia.auth import service as auth_service
from kuznia.auth.permissions import Scope
from kuznia.errors import NotAuthenticated
from kuznia.settings import Settings

T = TypeVar("T")

bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/login.")


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for one request: committed when the route returns, rolled back if it raises.

    Made on the event loop (no I/O: it connects at its first statement) and ended in one
    worker thread, where the commit waits for the database: a thread hop costs a request more
    CPU than the work of opening a session (issue 16)."""
    state = request.app.state
    # A request that writes takes SQLite's write lock when its transaction begins (db.engine).
    writes = request.method not in ("GET", "HEAD", "OPTIONS")
    session: Session = state.sessions(bind=state.write_engine) if writes else state.sessions()
    try:
        yield session
    except BaseException:
        await _in_thread(_roll_back, session)
        raise
    if session.in_transaction():
        await _in_thread(_commit, session)
    else:  # committed by `committed` with the route's work: nothing is left to wait for
        session.close()


async def committed(session: Session, work: Callable[[], T]) -> T:
    """Do a route's `work` and commit the request's session in one worker thread (one hop
    instead of two, for the ledger's writes: issue 16); if either raises, the session's
    dependency rolls back as for any route."""
    return await run_in_threadpool(_work_then_commit, session, work)


def _work_then_commit(session: Session, work: Callable[[], T]) -> T:
    result = work()
    session.commit()
    return result


async def _in_thread(end: Callable[[Session], None], session: Session) -> None:
    """Run `end` in a worker thread to its finish, even if the request is cancelled
    meanwhile (a connection is never left to the garbage collector)."""
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(end, session)


def _commit(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _roll_back(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the commit happens before the response is sent, so a client that has its
# answer reads its own write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def bearer_token(credentials: Credentials) -> str:
    """The bearer token the request carries."""
    if credentials is None or not credentials.credentials:
        raise NotAuthenticated("log in first: send Authorization: Bearer <token>")
    return credentials.credentials


TokenDep = Annotated[str, Depends(bearer_token)]


async def current_scope(session: SessionDep, token: TokenDep, settings: SettingsDep) -> Scope:
    """The scope of the user whose token the request carries (remembered for
    `token_cache_seconds`: `kuznia.auth.cache`; a remembered token is answered on the event
    loop, any other is read from the database in a worker thread)."""
    seconds = settings.token_cache_seconds
    scope = auth_service.remembered_scope(session=session, token=token, cache_seconds=seconds)
    if scope is not None:
        return scope
    return await run_in_threadpool(
        functools.partial(
            auth_service.authenticate, session=session, token=token, cache_seconds=seconds
        )
    )


ScopeDep = Annotated[Scope, Depends(current_scope)]
