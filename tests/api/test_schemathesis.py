"""The API against its own OpenAPI document: schemathesis sends requests made from the schema
at /api/v1/openapi.json (valid and invalid ones) to every operation, as the planner and as
producer p1's user, and checks that none fails with a server error and that every answer has a
status the document declares for the operation and the body it declares for that status.

No worker process runs (`workers=False`), so POST /plan-runs only queues a run.

The schema is loaded when the module is (one test per operation); the requests go to an app on
a database of the module's own, one per backend and user (`schemathesis.pytest.from_fixture`
would load it from a fixture, but fails under pytest 9.2: it sets `Function._nodeid`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from argon2 import PasswordHasher
from fastapi import FastAPI
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from kuznia.auth import service as auth_service
from kuznia.db import create_engine_for, upgrade
from tests.api.conftest import PASSWORD, USERS, Api, make_api
from tests.apps import documented_app
from tests.db.fixtures import BACKENDS, _postgres_schema, _sqlite_url

OPENAPI = "/api/v1/openapi.json"
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Generated requests per operation: enough to vary bodies, filters and ids (valid and not),
# few enough for the file to run in well under a minute (a request costs some 40 ms). The
# planner reaches every operation; the producer's run mostly proves refusals keep their shape.
PLANNER_EXAMPLES = 6
PRODUCER_EXAMPLES = 3

# Hashing with argon2's default cost takes a third of a second; these users get cheap hashes.
_CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _load_schema() -> schemathesis.BaseSchema:
    """The app's OpenAPI document, read from /api/v1/openapi.json of an app on no database."""
    config = schemathesis.Config.from_dict(
        {
            "generation": {
                # Under CI (tests/conftest.py's `ci` profile), the same requests on every run.
                "deterministic": bool(hypothesis.settings.default.derandomize),
            },
            # Boundary cases: 20 to 100 requests per operation, ten times the fuzzing's.
            "phases": {"coverage": {"enabled": False}},
        }
    )
    return schemathesis.openapi.from_asgi(OPENAPI, documented_app(), config=config)


schema = _load_schema()


@dataclass
class Caller:
    """The app the requests go to, who sends them and its live token (a request may log
    the token out)."""

    api: Api
    user: str

    @property
    def app(self) -> FastAPI:
        app: FastAPI = self.api.client.app  # type: ignore[assignment]
        return app

    @property
    def headers(self) -> dict[str, str]:
        return self.api.headers(self.user)

    def log_in_again(self) -> None:
        credentials = {"email": USERS[self.user][0], "password": PASSWORD}
        response = self.api.client.post("/api/v1/auth/login", json=credentials)
        assert response.status_code == 200, response.text
        self.api.tokens[self.user] = response.json()["token"]


def _caller(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, user: str
) -> Iterator[Caller]:
    """The API on VARIED, on a database of its own (request.param: the backend), for `user`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth_service, "hash_password", _CHEAP_HASHER.hash)
        patch.setattr(auth_service, "_DUMMY_HASH", _CHEAP_HASHER.hash("not a password"))
        if request.param == "sqlite":
            template: Path = request.getfixturevalue("migrated_sqlite_template")
            path = tmp_path_factory.mktemp("schemathesis") / "kuznia.db"
            shutil.copyfile(template, path)
            yield from _callers(create_engine_for(_sqlite_url(path)), user)
        else:
            with _postgres_schema() as url:
                engine = create_engine_for(url)
                upgrade(engine=engine)
                yield from _callers(engine, user)


def _callers(engine: Engine, user: str) -> Iterator[Caller]:
    try:
        for api in make_api(engine, workers=False):
            yield Caller(api=api, user=user)
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def planner(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Caller]:
    yield from _caller(request, tmp_path_factory, "planner")


@pytest.fixture(scope="module", params=BACKENDS)
def producer(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Caller]:
    yield from _caller(request, tmp_path_factory, "producer")


def call_and_check(case: schemathesis.Case, caller: Caller) -> None:
    """Send the case as the caller and check the answer; a logout's token is replaced."""
    try:
        case.call_and_validate(app=caller.app, headers=caller.headers, checks=CHECKS)
    finally:
        if case.operation.path.endswith("/auth/logout"):
            caller.log_in_again()


@schema.parametrize()
@hypothesis.settings(max_examples=PLANNER_EXAMPLES)
def test_as_the_planner(case: schemathesis.Case, planner: Caller) -> None:
    call_and_check(case, planner)


@schema.parametrize()
@hypothesis.settings(max_examples=PRODUCER_EXAMPLES)
def test_as_a_producer(case: schemathesis.Case, producer: Caller) -> None:
    call_and_check(case, producer)
