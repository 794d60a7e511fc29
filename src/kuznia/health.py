"""`GET /api/v1/health`: whether this server can serve requests, for a load balancer or an
orchestrator in front of `kuznia serve --workers N`. No token: it says nothing but that the
database answers and holds the schema this version needs; otherwise 503 (`unavailable`) with
what is wrong and a Retry-After."""

from __future__ import annotations

from functools import cache
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from kuznia.db import current_revision, head_revision
from kuznia.errors import Unavailable

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """A server ready to serve."""

    status: Literal["ok"] = "ok"
    database: Literal["ok"] = Field("ok", description="The database answered.")
    migrations: Literal["current"] = Field(
        "current", description="The database's schema is the one this version needs."
    )


@cache
def _head() -> str | None:
    return head_revision()  # the package's migrations do not change while it runs


def check(engine: Engine) -> Health:
    """The server's health; Unavailable naming what is wrong."""
    try:
        revision = current_revision(engine=engine)
    except OperationalError as error:
        raise Unavailable(
            f"the database does not answer ({type(error.orig).__name__}): check that it runs "
            "and that KUZNIA_DATABASE_URL names it"
        ) from None
    if revision != _head():
        raise Unavailable(
            f"the database's schema is at revision {revision or 'none'}, this version needs "
            f"{_head()}: run `kuznia db upgrade`",
            retry_after=60,
        )
    return Health()


@router.get(
    "/health",
    response_model=Health,
    summary="Whether this server can serve: the database answers and its schema is current",
    responses={503: {"description": "The database does not answer or its schema is behind."}},
)
def get_health(request: Request) -> Health:
    engine: Engine = request.app.state.engine
    return check(engine)
