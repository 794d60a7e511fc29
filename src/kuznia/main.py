"""The web application: the API and the pages (kuznia.web) in one FastAPI app.

Every API error leaves as JSON of one shape, `{"error": ClassName, "code": machine code,
"detail": text, "problems": [{"field", "message"}]}` (the codes: docs/errors.md): domain errors with their own status, a request that breaks the
schema with 422 and every bad field named, anything unexpected with 500 and no internals.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, JsonValue
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException

from kuznia import __version__
from kuznia.api import API_PREFIX, api_routers
from kuznia.auth.service import limit_hashing
from kuznia.db import database_engine
from kuznia.db.engine import SQLITE_BEGIN
from kuznia.db.session import session_factory
from kuznia.errors import (
    BadRequest,
    BodyTooLarge,
    Conflict,
    Forbidden,
    HTTPError,
    InternalError,
    InvalidInput,
    KuzniaError,
    MethodNotAllowed,
    NotAuthenticated,
    NotFound,
    StaleVersion,
    TooManyAttempts,
    Unavailable,
    UnsupportedMediaType,
    error_codes,
)
from kuznia.instance.errors import format_path
from kuznia.instance.io import describe_errors
from kuznia.limits import BodyLimit, refuse_unsafe_text
from kuznia.plans.pool import WorkerPool
from kuznia.settings import Settings
from kuznia.web import install_web

log = logging.getLogger("kuznia")

# The error an HTTP status raised by the framework answers as (any other: KuzniaError's).
_HTTP_ERRORS: dict[int, type[KuzniaError]] = {
    error.status: error
    for error in (
        BadRequest,
        NotAuthenticated,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        BodyTooLarge,
        UnsupportedMediaType,
        InvalidInput,
        TooManyAttempts,
    )
}


class ErrorProblem(BaseModel):
    """One bad value of a request: the field (`capacity[2]`, `query.limit`) and what is wrong."""

    field: str
    message: str
    code: str | None = Field(
        default=None, description="The kind of problem, where a program must tell kinds apart."
    )


class ErrorBody(BaseModel):
    """The one shape of every error the API returns."""

    error: str = Field(description="The error's name: NotFound, Forbidden, InvalidInput, ...")
    code: str = Field(
        description="The error's machine code, one per kind of error (docs/errors.md).",
        json_schema_extra={"enum": list[JsonValue](sorted(set(error_codes().values())))},
    )
    detail: str = Field(description="What went wrong, for people.")
    problems: list[ErrorProblem] = Field(description="Every bad field (422); else empty.")


# The errors any route may answer with, declared on every route so that the OpenAPI document
# says what the API does (FastAPI would otherwise declare its own 422 body, which it never sends).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "The body cannot be read (not JSON, not UTF-8).",
        401: "No valid token: log in with POST /api/v1/auth/login.",
        403: "The caller's role may not do this.",
        404: "No such record, or none the caller may see.",
        409: "The request clashes with what is stored: a stale version, a duplicate code, "
        "a record others refer to, a run in the wrong state.",
        422: "The request breaks the schema or the format's rules: `problems` names every field.",
        503: "The database cannot be reached or is busy: nothing was done; send the request "
        "again after Retry-After seconds.",
    }.items()
}


def error_body(
    error: type[KuzniaError], detail: str, problems: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The one shape of every error the API returns (ErrorBody) for an `error` of that type,
    its text always encodable: a message quoting a request's lone surrogate says it escaped
    rather than fail as a 500."""
    return {
        "error": error.__name__,
        "code": error.code,
        "detail": _encodable(detail),
        "problems": [
            {
                key: _encodable(value) if isinstance(value, str) else value
                for key, value in p.items()
            }
            for p in problems or []
        ],
    }


def _encodable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _pool(engine: Engine, settings: Settings) -> WorkerPool:
    """Local worker processes, or tasks on the Dask cluster when a scheduler is configured."""
    if settings.dask_scheduler:
        from kuznia.cluster import ClusterPool  # dask is an extra: imported only when used

        return ClusterPool(
            engine=engine, scheduler=settings.dask_scheduler, limit=settings.plan_workers
        )
    return WorkerPool(engine=engine, limit=settings.plan_workers)


def writing_bind(engine: Engine) -> Engine:
    """The bind of requests that write: on SQLite their transactions begin IMMEDIATE
    (db.engine), so two writers never deadlock upgrading their locks."""
    return engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})


def create_app(
    *, settings: Settings | None = None, engine: Engine | None = None, workers: bool = True
) -> FastAPI:
    """The application for `settings` (by default, the environment's), on `engine` if given;
    with `workers`, it starts worker processes for queued plan runs while it runs."""
    settings = settings or Settings()
    engine = engine or database_engine(settings)
    limit_hashing(settings.password_hashing_at_once)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = _pool(engine, settings) if workers else None
        app.state.workers = pool
        if pool is not None:
            pool.start()
        if workers and hasattr(app.state, "web_results"):
            from kuznia.web import warmup  # the web extra may be missing: imported when served

            warmup.start(app)
        try:
            yield
        finally:
            if pool is not None:
                pool.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Kuznia",
        version=__version__,
        description=(
            "Plan and run a country's defence production: the registry of producers, lines, "
            "needs and funds; plan runs; need-to-know access by role. Log in with "
            "POST /api/v1/auth/login and send the token as `Authorization: Bearer <token>`."
        ),
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        dependencies=[Depends(refuse_unsafe_text)],
    )
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        uploads={
            "/registry/import": settings.max_upload_bytes,
            "/api/v1/registry/workbook": settings.max_upload_bytes,
        },
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(app.state.engine)
    app.state.write_engine = writing_bind(engine)
    for router in api_routers():
        app.include_router(router, prefix=API_PREFIX, responses=ERROR_RESPONSES)
    _add_error_handlers(app)
    # The pages (kuznia.web): after the API's handlers, which stay JSON under /api.
    install_web(app)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KuzniaError)
    async def domain_error(_request: Request, error: KuzniaError) -> JSONResponse:
        problems = [problem.rendered() for problem in error.problems]
        return JSONResponse(
            error_body(type(error), error.detail, problems),
            status_code=error.status,
            headers=error.headers or None,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = _request_problems(request, error)
        count = len(problems)
        return JSONResponse(
            error_body(
                InvalidInput,
                f"{count} problem{'s' if count != 1 else ''} in the request: "
                + "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5]),
                problems,
            ),
            status_code=422,
        )

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(_HTTP_ERRORS.get(error.status_code, HTTPError), str(error.detail)),
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(DataError)
    async def unstorable(_request: Request, _error: DataError) -> JSONResponse:
        # Values PostgreSQL refuses where SQLite takes them (text with a NUL character, a
        # number beyond its column's range) are the request's fault, not the server's.
        return JSONResponse(
            error_body(
                InvalidInput,
                "the database cannot hold a value of the request: text with a NUL character "
                "or a number out of range",
            ),
            status_code=422,
        )

    @app.exception_handler(OperationalError)
    async def unavailable(request: Request, error: OperationalError) -> JSONResponse:
        # the database is down, unreachable, or busy past its timeouts (SQLite's lock, a
        # deadlock): nothing was done, and the same request may be sent again
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, error)
        return await domain_error(
            request,
            Unavailable(
                "the database cannot be reached or is busy: nothing was done; send the request "
                "again in a few seconds"
            ),
        )

    @app.exception_handler(StaleDataError)
    async def stale(_request: Request, _error: StaleDataError) -> JSONResponse:
        return JSONResponse(
            error_body(
                StaleVersion,
                "the record was changed by someone else meanwhile: read it again and reapply",
            ),
            status_code=409,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, _error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body(InternalError, "an unexpected error; it was logged"), status_code=500
        )


def _request_problems(request: Request, error: RequestValidationError) -> list[dict[str, str]]:
    """Every bad field of a request: a body's fields by their names (`capacity[2]`), said as
    the instance format says them; query and path parameters as `query.limit`."""
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    annotation = getattr(getattr(body_field, "field_info", None), "annotation", None)
    body_model = (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )
    body: list[dict[str, Any]] = []
    problems: list[dict[str, str]] = []
    for detail in error.errors():
        loc = list(detail.get("loc", ()))
        if (
            loc[:1] == ["body"]
            and isinstance(body_model, type)
            and issubclass(body_model, BaseModel)
        ):
            body.append({**detail, "loc": tuple(loc[1:])})
        else:
            problems.append({"field": format_path(loc), "message": str(detail.get("msg", ""))})
    if body and body_model is not None:
        problems[:0] = [
            {"field": p.path if p.path != "$" else "body", "message": p.message}
            for p in describe_errors(body, root=body_model)
        ]
    return problems
