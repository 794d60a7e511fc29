"""Who may call what: every endpoint of the OpenAPI document against every role, with the
status each must get, written out in MATRIX so that a change of policy shows up here as a diff.

The matrix follows DESIGN.md's roles and `kuznia.auth.permissions.POLICY`: allowed is the
endpoint's 2xx, a role without access gets 403, a request without a token 401. Records of
another organisation are not refused but missing (404): the ownership tests below guess the
ids of producer p2's records as producer p1's user and of other funds as the partner.

One populated database per backend serves the whole module (building one costs seconds);
every check makes the records it changes or deletes, so checks do not depend on their order.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from kuznia import models
from kuznia.api import API_PREFIX
from kuznia.auth import service as auth_service
from kuznia.contracts import service as contracts_service
from kuznia.db import create_engine_for, session_scope, upgrade
from kuznia.io.excel import XLSX
from kuznia.jobs.runner import claim_job, run_job
from kuznia.plans import worker
from tests.api.conftest import PASSWORD, USERS, Api, make_api
from tests.apps import documented_app
from tests.db.fixtures import BACKENDS, _postgres_schema, _sqlite_url

ROLES = ("planner", "admin", "auditor", "producer", "partner", "logistics", "anonymous")

# What each role gets from each endpoint (paths under /api/v1). `producer` is producer p1's
# user and `partner` fund dk's, each calling on its own records; `anonymous` sends no token.
# fmt: off
MATRIX: dict[str, tuple[int, int, int, int, int, int, int]] = {
    #                                       planner admin auditor producer partner logistics anonymous
    "POST /auth/login":                     (200,   200,  200,    200,     200,    200,      200),
    "GET /health":                          (200,   200,  200,    200,     200,    200,      200),
    "POST /auth/logout":                    (204,   204,  204,    204,     204,    204,      401),
    "GET /auth/me":                         (200,   200,  200,    200,     200,    200,      401),
    "POST /auth/password":                  (422,   422,  422,    422,     422,    422,      401),
    "GET /users":                           (403,   200,  200,    403,     403,    403,      401),
    "POST /users":                          (403,   201,  403,    403,     403,    403,      401),
    "GET /users/{user_id}":                 (403,   200,  200,    403,     403,    403,      401),
    "PATCH /users/{user_id}":               (403,   200,  403,    403,     403,    403,      401),
    "GET /organisations":                   (403,   200,  200,    403,     403,    403,      401),
    "POST /organisations":                  (403,   201,  403,    403,     403,    403,      401),
    "GET /settings":                        (200,   403,  200,    200,     200,    200,      401),
    "PUT /settings":                        (200,   403,  403,    403,     403,    403,      401),
    "GET /instance":                        (200,   403,  200,    403,     403,    403,      401),
    "GET /registry/workbook":               (200,   403,  200,    403,     403,    403,      401),
    # a planner's upload reaches the import: a file that is no workbook is refused with 422
    "PUT /registry/workbook":               (422,   403,  403,    403,     403,    403,      401),
    "GET /items":                           (200,   403,  200,    200,     200,    200,      401),
    "GET /items/{record_id}":               (200,   403,  200,    200,     200,    200,      401),
    "POST /items":                          (201,   403,  403,    403,     403,    403,      401),
    "PATCH /items/{record_id}":             (200,   403,  403,    403,     403,    403,      401),
    "DELETE /items/{record_id}":            (204,   403,  403,    403,     403,    403,      401),
    "GET /producers":                       (200,   403,  200,    200,     403,    403,      401),
    "GET /producers/{record_id}":           (200,   403,  200,    200,     403,    403,      401),
    "POST /producers":                      (201,   403,  403,    403,     403,    403,      401),
    "PATCH /producers/{record_id}":         (200,   403,  403,    200,     403,    403,      401),
    "DELETE /producers/{record_id}":        (204,   403,  403,    403,     403,    403,      401),
    "GET /lines":                           (200,   403,  200,    200,     403,    403,      401),
    "GET /lines/{record_id}":               (200,   403,  200,    200,     403,    403,      401),
    "POST /lines":                          (201,   403,  403,    201,     403,    403,      401),
    "PATCH /lines/{record_id}":             (200,   403,  403,    200,     403,    403,      401),
    "DELETE /lines/{record_id}":            (204,   403,  403,    204,     403,    403,      401),
    "GET /expansions":                      (200,   403,  200,    200,     403,    403,      401),
    "GET /expansions/{record_id}":          (200,   403,  200,    200,     403,    403,      401),
    "POST /expansions":                     (201,   403,  403,    201,     403,    403,      401),
    "PATCH /expansions/{record_id}":        (200,   403,  403,    200,     403,    403,      401),
    "DELETE /expansions/{record_id}":       (204,   403,  403,    204,     403,    403,      401),
    "GET /groupings":                       (200,   403,  200,    403,     403,    200,      401),
    "GET /groupings/{record_id}":           (200,   403,  200,    403,     403,    200,      401),
    "POST /groupings":                      (201,   403,  403,    403,     403,    403,      401),
    "PATCH /groupings/{record_id}":         (200,   403,  403,    403,     403,    403,      401),
    "DELETE /groupings/{record_id}":        (204,   403,  403,    403,     403,    403,      401),
    "GET /needs":                           (200,   403,  200,    403,     403,    403,      401),
    "GET /needs/{record_id}":               (200,   403,  200,    403,     403,    403,      401),
    "POST /needs":                          (201,   403,  403,    403,     403,    403,      401),
    "PATCH /needs/{record_id}":             (200,   403,  403,    403,     403,    403,      401),
    "DELETE /needs/{record_id}":            (204,   403,  403,    403,     403,    403,      401),
    "GET /funds":                           (200,   403,  200,    403,     200,    403,      401),
    "GET /funds/{record_id}":               (200,   403,  200,    403,     200,    403,      401),
    "POST /funds":                          (201,   403,  403,    403,     403,    403,      401),
    "PATCH /funds/{record_id}":             (200,   403,  403,    403,     403,    403,      401),
    "DELETE /funds/{record_id}":            (204,   403,  403,    403,     403,    403,      401),
    "GET /foreign-supply":                  (200,   403,  200,    403,     403,    403,      401),
    "GET /foreign-supply/{record_id}":      (200,   403,  200,    403,     403,    403,      401),
    "POST /foreign-supply":                 (201,   403,  403,    403,     403,    403,      401),
    "PATCH /foreign-supply/{record_id}":    (200,   403,  403,    403,     403,    403,      401),
    "DELETE /foreign-supply/{record_id}":   (204,   403,  403,    403,     403,    403,      401),
    "GET /stock":                           (200,   403,  200,    403,     403,    200,      401),
    "GET /stock/{record_id}":               (200,   403,  200,    403,     403,    200,      401),
    "POST /stock":                          (201,   403,  403,    403,     403,    403,      401),
    "PATCH /stock/{record_id}":             (200,   403,  403,    403,     403,    403,      401),
    "DELETE /stock/{record_id}":            (204,   403,  403,    403,     403,    403,      401),
    "GET /export-orders":                   (200,   403,  200,    200,     403,    403,      401),
    "GET /export-orders/{record_id}":       (200,   403,  200,    200,     403,    403,      401),
    "POST /export-orders":                  (201,   403,  403,    403,     403,    403,      401),
    "PATCH /export-orders/{record_id}":     (200,   403,  403,    403,     403,    403,      401),
    "DELETE /export-orders/{record_id}":    (204,   403,  403,    403,     403,    403,      401),
    "POST /plan-runs":                      (202,   403,  403,    403,     403,    403,      401),
    "GET /plan-runs":                       (200,   403,  200,    403,     200,    403,      401),
    "GET /plan-runs/{run_id}":              (200,   403,  200,    403,     200,    403,      401),
    "POST /plan-runs/{run_id}/cancel":      (200,   403,  403,    403,     403,    403,      401),
    "GET /plan-runs/{run_id}/instance":     (200,   403,  200,    403,     403,    403,      401),
    "GET /plan-runs/{run_id}/workbook":     (200,   403,  200,    403,     403,    403,      401),
    "GET /plan-runs/{run_id}/tiers":        (200,   403,  200,    403,     403,    403,      401),
    "GET /plan-runs/{run_id}/deliveries":   (200,   403,  200,    403,     200,    403,      401),
    "GET /plan-runs/{run_id}/payments":     (200,   403,  200,    403,     200,    403,      401),
    "GET /plan-runs/{run_id}/expansions":   (200,   403,  200,    403,     200,    403,      401),
    "GET /plan-runs/{run_id}/allocations":  (200,   403,  200,    403,     403,    403,      401),
    "GET /plan-runs/{run_id}/shortfalls":   (200,   403,  200,    403,     403,    403,      401),
    "POST /plan-runs/{run_id}/shortfalls/{number}/close":
                                            (202,   403,  403,    403,     403,    403,      401),
    "GET /plan-runs/{run_id}/exports":      (200,   403,  200,    403,     403,    403,      401),
    "GET /plan-runs/{run_id}/surplus":      (200,   403,  200,    403,     403,    403,      401),
    "GET /plan-runs/{run_id}/economy":      (200,   403,  200,    403,     200,    403,      401),
    "GET /plan-runs/{run_id}/compare/{other_id}":
                                            (200,   403,  200,    403,     403,    403,      401),
    "POST /plan-runs/{run_id}/money-curve": (202,   403,  403,    403,     403,    403,      401),
    "GET /jobs":                            (200,   403,  200,    403,     403,    403,      401),
    "GET /jobs/{job_id}":                   (200,   403,  200,    403,     403,    403,      401),
    "POST /jobs/{job_id}/cancel":           (200,   403,  403,    403,     403,    403,      401),
    "POST /plan-runs/{run_id}/approve":     (201,   403,  403,    403,     403,    403,      401),
    "POST /replans":                        (202,   403,  403,    403,     403,    403,      401),
    "GET /contracts":                       (200,   403,  200,    200,     200,    403,      401),
    "GET /contracts/{contract_id}":         (200,   403,  200,    200,     200,    403,      401),
    "GET /contracts/{contract_id}/versions": (200,  403,  200,    200,     200,    403,      401),
    "GET /contracts/{contract_id}/versions/{number}": (200, 403, 200, 200,    200,    403,      401),
    "POST /contracts/{contract_id}/sign":   (200,   403,  403,    403,     403,    403,      401),
    "POST /contracts/{contract_id}/complete": (200, 403,  403,    403,     403,    403,      401),
    "POST /contracts/{contract_id}/terminate": (200, 403, 403,    403,     403,    403,      401),
    "POST /contracts/{contract_id}/amendments": (201, 403, 403,   403,     403,    403,      401),
    "PUT /contracts/{contract_id}/delivery-points": (200, 403, 403, 403,   403,    403,      401),
    "PUT /guarantees/{guarantee_id}/delivery-points": (200, 403, 403, 403, 403,    403,      401),
    "GET /guarantees":                      (200,   403,  200,    200,     200,    403,      401),
    "GET /guarantees/{guarantee_id}":       (200,   403,  200,    200,     200,    403,      401),
    # the OCDS package is not scoped by organisation: those who read every contract
    "GET /ocds":                            (200,   403,  200,    403,     403,    403,      401),
    "POST /guarantees/{guarantee_id}/sign": (200,   403,  403,    403,     403,    403,      401),
    "POST /guarantees/{guarantee_id}/terminate": (200, 403, 403,  403,     403,    403,      401),
    "GET /depots":                          (200,   403,  200,    403,     403,    200,      401),
    "POST /depots":                         (201,   403,  403,    403,     403,    403,      401),
    "GET /depots/{depot_id}":               (200,   403,  200,    403,     403,    200,      401),
    "PATCH /depots/{depot_id}":             (200,   403,  403,    403,     403,    403,      401),
    "GET /depots/{depot_id}/stock":         (200,   403,  200,    403,     403,    200,      401),
    "GET /depot-stock":                     (200,   403,  200,    403,     403,    200,      401),
    "POST /production-reports":             (403,   403,  403,    201,     403,    403,      401),
    "GET /production-reports":              (200,   403,  200,    200,     403,    403,      401),
    "GET /production-reports/{record_id}":  (200,   403,  200,    200,     403,    403,      401),
    "POST /production-reports/{record_id}/reverse": (403, 403, 403, 201,   403,    403,      401),
    "POST /receipts":                       (403,   403,  403,    403,     403,    201,      401),
    "GET /receipts":                        (200,   403,  200,    200,     200,    200,      401),
    "GET /receipts/{record_id}":            (200,   403,  200,    200,     200,    200,      401),
    "POST /receipts/{record_id}/reverse":   (403,   403,  403,    403,     403,    201,      401),
    "POST /foreign-receipts":               (403,   403,  403,    403,     403,    201,      401),
    "GET /foreign-receipts":                (200,   403,  200,    403,     403,    200,      401),
    "GET /reports/foreign-supply":          (200,   403,  200,    403,     403,    200,      401),
    "POST /dispatches":                     (403,   403,  403,    403,     403,    201,      401),
    "GET /dispatches":                      (200,   403,  200,    403,     403,    200,      401),
    "GET /dispatches/{record_id}":          (200,   403,  200,    403,     403,    200,      401),
    "POST /dispatches/{record_id}/reverse": (403,   403,  403,    403,     403,    201,      401),
    "POST /ledger-batches":                 (403,   403,  403,    403,     403,    201,      401),
    "GET /reports/daily":                   (200,   403,  200,    200,     200,    200,      401),
    "GET /reports/plan-vs-actual":          (200,   403,  200,    200,     200,    200,      401),
    "GET /targets":                         (200,   403,  200,    403,     403,    403,      401),
    "POST /targets":                        (201,   403,  403,    403,     403,    403,      401),
    "GET /targets/report":                  (200,   403,  200,    403,     403,    403,      401),
    "GET /targets/report/workbook":         (200,   403,  200,    403,     403,    403,      401),
    "GET /targets/{target_id}":             (200,   403,  200,    403,     403,    403,      401),
    "PATCH /targets/{target_id}":           (200,   403,  403,    403,     403,    403,      401),
    "DELETE /targets/{target_id}":          (204,   403,  403,    403,     403,    403,      401),
    "GET /scenarios":                       (200,   403,  200,    403,     403,    403,      401),
    "POST /scenarios":                      (201,   403,  403,    403,     403,    403,      401),
    "GET /scenarios/{scenario_id}":         (200,   403,  200,    403,     403,    403,      401),
    "PUT /scenarios/{scenario_id}":         (200,   403,  403,    403,     403,    403,      401),
    "DELETE /scenarios/{scenario_id}":      (204,   403,  403,    403,     403,    403,      401),
    "POST /scenarios/{scenario_id}/runs":   (202,   403,  403,    403,     403,    403,      401),
    "POST /sweeps":                         (202,   403,  403,    403,     403,    403,      401),
    "POST /critical":                       (202,   403,  403,    403,     403,    403,      401),
    "GET /audit/events":                    (403,   200,  200,    403,     403,    403,      401),
    "GET /audit/verify":                    (403,   200,  200,    403,     403,    403,      401),
    "GET /audit/head":                      (403,   200,  200,    403,     403,    403,      401),
    "GET /audit/reconcile":                 (403,   403,  200,    403,     403,    403,      401),
}
# fmt: on

ERROR_NAMES = {401: "NotAuthenticated", 403: "Forbidden", 404: "NotFound"}
HTTP_METHODS = frozenset({"get", "put", "post", "patch", "delete"})


def documented_operations() -> list[str]:
    """Every operation of the app's OpenAPI document, as `METHOD /path` under /api/v1."""
    paths: dict[str, dict[str, Any]] = documented_app().openapi()["paths"]
    return [
        f"{method.upper()} {path.removeprefix(API_PREFIX)}"
        for path, operations in paths.items()
        for method in operations
        if method in HTTP_METHODS
    ]


DOCUMENTED = documented_operations()


@dataclass(frozen=True)
class Call:
    """One request: a path under /api/v1, and the token to send instead of the role's."""

    method: str
    path: str
    json: Any = None
    params: dict[str, Any] | None = None
    token: str | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None


@dataclass
class World:
    """The module's API on VARIED, the ids of the records every role aims at, and a plan run
    solved in-process (no worker) whose payments come from fund dk and from the state."""

    api: Api
    engine: Engine
    ids: dict[str, int] = field(default_factory=dict)
    finished_run: int = 0
    approved: Approved | None = None
    ledger: dict[str, int] = field(default_factory=dict)
    counter: Iterator[int] = field(default_factory=itertools.count)

    def code(self, stem: str) -> str:
        """A code no other record of the module has."""
        return f"{stem}-{next(self.counter)}"

    def send(self, role: str, call: Call) -> httpx.Response:
        token = call.token or self.api.tokens.get(role)
        headers = {} if role == "anonymous" else {"Authorization": f"Bearer {token}"}
        return self.api.client.request(
            call.method,
            API_PREFIX + call.path,
            json=call.json,
            params=call.params,
            files=call.files,
            headers=headers,
        )

    def ministry(self, method: str, path: str, **kwargs: Any) -> Any:
        """A call by the ministry (the admin for users and organisations, the planner for the
        rest) that sets up or looks at a check; it must work."""
        user = "admin" if path.startswith(("/users", "/organisations")) else "planner"
        response = self.send(user, Call(method, path, **kwargs))
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        return response.json() if response.content else None

    def read(self, path: str, **filters: Any) -> list[dict[str, Any]]:
        """Every record of a list, as the planner reads it."""
        items: list[dict[str, Any]] = self.ministry("GET", path, params={"limit": 1000, **filters})[
            "items"
        ]
        return items

    def login(self, role: str) -> str:
        """A new token of the role's user."""
        credentials = {"email": USERS[role][0], "password": PASSWORD}
        response = self.api.client.post(f"{API_PREFIX}/auth/login", json=credentials)
        assert response.status_code == 200, response.text
        token: str = response.json()["token"]
        return token


# Hashing with argon2's default cost takes a third of a second here; access does not depend
# on it, so this module's users get cheap hashes (login verifies with a hash's own cost).
_CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One populated API per backend for the module, without plan workers."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth_service, "hash_password", _CHEAP_HASHER.hash)
        if request.param == "sqlite":
            template: Path = request.getfixturevalue("migrated_sqlite_template")
            path = tmp_path_factory.mktemp("matrix") / "kuznia.db"
            shutil.copyfile(template, path)
            yield from _world(create_engine_for(_sqlite_url(path)))
        else:
            with _postgres_schema() as url:
                engine = create_engine_for(url)
                upgrade(engine=engine)
                yield from _world(engine)


def _world(engine: Engine) -> Iterator[World]:
    try:
        for api in make_api(engine, workers=False):
            world = World(api=api, engine=engine)
            _aim(world)
            world.finished_run = _finished_run(world)
            world.approved = _approved(world)
            _ledger(world)
            yield world
    finally:
        engine.dispose()


def _aim(world: World) -> None:
    """The records the matrix reads: those of VARIED that producer p1 and fund dk own."""
    targets = {
        "items": "art-155",
        "producers": "p1",
        "lines": "l1",
        "expansions": "e1",
        "groupings": "g-east",
        "funds": "dk",
    }
    for section, code in targets.items():
        (record,) = world.read(f"/{section}", code=code)
        world.ids[section] = record["id"]
    for section in ("needs", "foreign-supply", "stock"):
        world.ids[section] = world.read(f"/{section}")[0]["id"]
    # An offer for art-155 (producer p1 makes it, line l1) that a planner shares with its makers.
    offer = {"code": "x-shared", "item": "art-155", "month": 1, "quantity": 5, "price": 10}
    shared = world.ministry("POST", "/export-orders", json=offer | {"buyer": "PL", "shared": True})
    world.ids["export-orders"] = shared["id"]
    world.ids["planner user"] = world.ministry("GET", "/auth/me")["id"]


def _finished_run(world: World) -> int:
    """A plan run solved in this process: fpv needs that the state's cut budget cannot pay
    for make fund dk pay line l2, while the state pays line l1."""
    (state,) = world.read("/funds", code="state")
    world.ministry(
        "PATCH",
        f"/funds/{state['id']}",
        json={"version": state["version"], "budget": {"2026": 100000, "2027": 100000}},
    )
    for month in (0, 1):
        need = {"item": "fpv", "grouping": "g-east", "month": month, "quantity": 1500}
        world.ministry("POST", "/needs", json=need | {"operation": "defensive"})
    run_id: int = world.ministry("POST", "/plan-runs", json={})["id"]
    assert worker.claim_next(engine=world.engine) == run_id
    worker.solve_run(engine=world.engine, run_id=run_id)
    run = world.ministry("GET", f"/plan-runs/{run_id}")
    assert (run["status"], run["solve_status"]) == ("finished", "optimal"), run
    return run_id


# --- the request each matrix row sends --------------------------------------------------------

Build = Callable[[World, str], Call]
REQUESTS: dict[str, Build] = {}


def _request(operation: str) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        REQUESTS[operation] = build
        return build

    return register


@_request("POST /auth/login")
def _login(world: World, role: str) -> Call:
    email = USERS["planner" if role == "anonymous" else role][0]
    return Call("POST", "/auth/login", json={"email": email, "password": PASSWORD})


@_request("GET /health")
def _health(world: World, role: str) -> Call:
    return Call("GET", "/health")


@_request("POST /auth/logout")
def _logout(world: World, role: str) -> Call:
    # A token of its own, so the role's token lives on for the other checks.
    token = None if role == "anonymous" else world.login(role)
    return Call("POST", "/auth/logout", token=token)


@_request("POST /auth/password")
def _change_password(world: World, role: str) -> Call:
    # A wrong current password: every user reaches the check, and no token is revoked.
    body = {"current_password": "not the password", "new_password": "a brand new passphrase"}
    return Call("POST", "/auth/password", json=body)


@_request("GET /auth/me")
def _me(world: World, role: str) -> Call:
    return Call("GET", "/auth/me")


@_request("GET /users")
def _users(world: World, role: str) -> Call:
    return Call("GET", "/users")


def _new_user(world: World) -> dict[str, Any]:
    email = f"{world.code('user')}@ministry.test"
    return {"email": email, "password": PASSWORD, "role": "planner", "organisation": "Ministry"}


@_request("POST /users")
def _add_user(world: World, role: str) -> Call:
    return Call("POST", "/users", json=_new_user(world))


@_request("GET /users/{user_id}")
def _user(world: World, role: str) -> Call:
    return Call("GET", f"/users/{world.ids['planner user']}")


@_request("PATCH /users/{user_id}")
def _change_user(world: World, role: str) -> Call:
    user = world.ministry("POST", "/users", json=_new_user(world))
    return Call("PATCH", f"/users/{user['id']}", json={"version": user["version"], "active": True})


@_request("GET /organisations")
def _organisations(world: World, role: str) -> Call:
    return Call("GET", "/organisations")


@_request("POST /organisations")
def _add_organisation(world: World, role: str) -> Call:
    return Call("POST", "/organisations", json={"name": world.code("Office"), "kind": "ministry"})


@_request("GET /settings")
def _settings(world: World, role: str) -> Call:
    return Call("GET", "/settings")


@_request("PUT /settings")
def _put_settings(world: World, role: str) -> Call:
    # The same horizon and weights again, on the version read: the registry stays as it is.
    return Call("PUT", "/settings", json=world.ministry("GET", "/settings"))


@_request("GET /instance")
def _instance(world: World, role: str) -> Call:
    return Call("GET", "/instance")


@_request("GET /registry/workbook")
def _registry_workbook(world: World, role: str) -> Call:
    return Call("GET", "/registry/workbook")


@_request("PUT /registry/workbook")
def _import_registry_workbook(world: World, role: str) -> Call:
    # Not a workbook: refused before anything is replaced, so the module's registry stays.
    upload = ("registry.xlsx", b"not a workbook", XLSX)
    return Call("PUT", "/registry/workbook", files={"workbook": upload})


@_request("GET /ocds")
def _ocds(world: World, role: str) -> Call:
    return Call("GET", "/ocds")


@_request("GET /audit/events")
def _audit_events(world: World, role: str) -> Call:
    return Call("GET", "/audit/events", params={"limit": 5})


@_request("GET /audit/verify")
def _audit_verify(world: World, role: str) -> Call:
    return Call("GET", "/audit/verify")


@_request("GET /audit/head")
def _audit_head(world: World, role: str) -> Call:
    return Call("GET", "/audit/head")


@_request("GET /audit/reconcile")
def _audit_reconcile(world: World, role: str) -> Call:
    return Call("GET", "/audit/reconcile")


# --- contracts and guarantees: a producer aims at its own (line l1's), a partner at those its
# fund dk pays (line l2's); a planner's change gets records of a run approved for it alone.


@dataclass(frozen=True)
class Approved:
    """The contracts and guarantees of one approved run, by line."""

    run_id: int
    contracts: dict[str, dict[str, Any]]
    guarantees: dict[str, dict[str, Any]]


def _approved(world: World) -> Approved:
    """A new run solved in this process and approved: contracts for its first month, purchase
    guarantees for the rest."""
    run_id = _solved_run(world)
    summary = world.ministry("POST", f"/plan-runs/{run_id}/approve", json={"firm_months": 1})
    guarantees = {g["line"]: g for g in summary["guarantees"]}
    if "l1" not in guarantees:
        # The run buys l1 in its first month only; producer p1 gets a guarantee of its own.
        with session_scope(world.engine) as session:
            own = models.Guarantee(
                number=f"G-{run_id}-l1",
                plan_run_id=run_id,
                producer="p1",
                line="l1",
                item="art-155",
                quantity=10,
                price=3100,
                start="2026-12",
                end="2027-01",
            )
            session.add(own)
            session.flush()
            guarantees["l1"] = {"id": own.id, "line": "l1"}
    return Approved(
        run_id=run_id,
        contracts={c["line"]: c for c in summary["contracts"]},
        guarantees=guarantees,
    )


def _solved_run(world: World) -> int:
    """A new run of the registry as it is, solved in this process (with any run other checks
    left queued)."""
    run_id: int = world.ministry("POST", "/plan-runs", json={})["id"]
    while (queued := worker.claim_next(engine=world.engine)) is not None:
        worker.solve_run(engine=world.engine, run_id=queued)
    assert world.ministry("GET", f"/plan-runs/{run_id}")["status"] == "finished"
    return run_id


def _aimed(world: World, role: str, kind: str, *, fresh: bool = False) -> dict[str, Any]:
    """The contract or guarantee a role aims at; `fresh`: the planner's is a new one, to
    change (the others are refused before anything changes)."""
    approved = _approved(world) if fresh and role == "planner" else world.approved
    assert approved is not None
    records: dict[str, dict[str, Any]] = getattr(approved, kind)
    if fresh and role == "planner":
        return next(iter(records.values()))
    return records["l2" if role == "partner" else "l1"]


def _contract(world: World, role: str, *, status: str = "draft") -> dict[str, Any]:
    aimed = _aimed(world, role, "contracts", fresh=True)
    contract = world.ministry("GET", f"/contracts/{aimed['id']}")
    if status in ("signed", "in_delivery") and contract["status"] == "draft":
        contract = world.ministry(
            "POST", f"/contracts/{contract['id']}/sign", json={"version": contract["version"]}
        )
    if status == "in_delivery" and contract["status"] == "signed":
        with session_scope(world.engine) as session:
            record = session.get(models.Contract, contract["id"])
            assert record is not None
            contracts_service.start_delivery(session=session, contract=record)
        contract = world.ministry("GET", f"/contracts/{contract['id']}")
    return contract


@_request("POST /plan-runs/{run_id}/approve")
def _approve(world: World, role: str) -> Call:
    run_id = _solved_run(world) if role == "planner" else world.finished_run
    return Call("POST", f"/plan-runs/{run_id}/approve", json={"firm_months": 1})


@_request("POST /replans")
def _replan(world: World, role: str) -> Call:
    start = world.ministry("GET", "/settings")["start"]
    return Call("POST", "/replans", json={"start": start, "plan": True})


@_request("GET /contracts")
def _contracts(world: World, role: str) -> Call:
    return Call("GET", "/contracts")


@_request("GET /contracts/{contract_id}")
def _read_contract(world: World, role: str) -> Call:
    return Call("GET", f"/contracts/{_aimed(world, role, 'contracts')['id']}")


@_request("GET /contracts/{contract_id}/versions")
def _contract_versions(world: World, role: str) -> Call:
    return Call("GET", f"/contracts/{_aimed(world, role, 'contracts')['id']}/versions")


@_request("GET /contracts/{contract_id}/versions/{number}")
def _contract_version(world: World, role: str) -> Call:
    return Call("GET", f"/contracts/{_aimed(world, role, 'contracts')['id']}/versions/1")


@_request("POST /contracts/{contract_id}/sign")
def _sign(world: World, role: str) -> Call:
    contract = _contract(world, role)
    return Call("POST", f"/contracts/{contract['id']}/sign", json={"version": contract["version"]})


@_request("POST /contracts/{contract_id}/complete")
def _complete(world: World, role: str) -> Call:
    contract = _contract(world, role, status="in_delivery")
    return Call(
        "POST", f"/contracts/{contract['id']}/complete", json={"version": contract["version"]}
    )


@_request("POST /contracts/{contract_id}/terminate")
def _terminate(world: World, role: str) -> Call:
    contract = _contract(world, role)
    body = {"version": contract["version"], "reason": "the matrix ends it"}
    return Call("POST", f"/contracts/{contract['id']}/terminate", json=body)


@_request("POST /contracts/{contract_id}/amendments")
def _amend(world: World, role: str) -> Call:
    contract = _contract(world, role)
    body = {
        "version": contract["version"],
        "reason": "one more unit",
        "deliveries": [{"month": "2026-11", "quantity": 1, "price": 10}],
    }
    return Call("POST", f"/contracts/{contract['id']}/amendments", json=body)


def _a_depot(world: World) -> str:
    """A depot to name as a delivery point (made once, by the ministry)."""
    if not world.read("/depots", code="d-matrix"):
        world.ministry("POST", "/depots", json={"code": "d-matrix", "name": "Matrix"})
    return "d-matrix"


@_request("PUT /contracts/{contract_id}/delivery-points")
def _route_contract(world: World, role: str) -> Call:
    contract = _contract(world, role)
    body = {"version": contract["version"], "depots": [_a_depot(world)]}
    return Call("PUT", f"/contracts/{contract['id']}/delivery-points", json=body)


@_request("PUT /guarantees/{guarantee_id}/delivery-points")
def _route_guarantee(world: World, role: str) -> Call:
    aimed = _aimed(world, role, "guarantees", fresh=True)
    guarantee = world.ministry("GET", f"/guarantees/{aimed['id']}")
    body = {"version": guarantee["version"], "depots": [_a_depot(world)]}
    return Call("PUT", f"/guarantees/{guarantee['id']}/delivery-points", json=body)


@_request("GET /guarantees")
def _guarantees(world: World, role: str) -> Call:
    return Call("GET", "/guarantees")


@_request("GET /guarantees/{guarantee_id}")
def _read_guarantee(world: World, role: str) -> Call:
    return Call("GET", f"/guarantees/{_aimed(world, role, 'guarantees')['id']}")


@_request("POST /guarantees/{guarantee_id}/sign")
def _sign_guarantee(world: World, role: str) -> Call:
    aimed = _aimed(world, role, "guarantees", fresh=True)
    guarantee = world.ministry("GET", f"/guarantees/{aimed['id']}")
    return Call(
        "POST", f"/guarantees/{guarantee['id']}/sign", json={"version": guarantee["version"]}
    )


@_request("POST /guarantees/{guarantee_id}/terminate")
def _terminate_guarantee(world: World, role: str) -> Call:
    aimed = _aimed(world, role, "guarantees", fresh=True)
    guarantee = world.ministry("GET", f"/guarantees/{aimed['id']}")
    body = {"version": guarantee["version"], "reason": "the matrix ends it"}
    return Call("POST", f"/guarantees/{guarantee['id']}/terminate", json=body)


# --- depots and the daily ledger: depot d-north is the logistics user's; under p1's signed
# contract (line l1) it has received art-155 and sent some on; under dk's (line l2) fpv.

TODAY = datetime.now(UTC).date().isoformat()


def _made(world: World, role: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A record `role` makes to aim a check at; it must work."""
    response = world.send(role, Call("POST", path, json=body))
    assert response.status_code == 201, f"{path}: {response.text}"
    made: dict[str, Any] = response.json()
    return made


def _receipt(world: World, line: str = "l1", accepted: int = 1) -> dict[str, Any]:
    contract = world.approved.contracts[line] if world.approved else {}
    body = {
        "client_key": world.code("receipt"),
        "depot": "d-north",
        "contract_id": contract["id"],
        "day": TODAY,
        "received": accepted,
        "accepted": accepted,
        "rejected": 0,
    }
    return _made(world, "logistics", "/receipts", body)


def _dispatch(world: World) -> dict[str, Any]:
    body = {
        "client_key": world.code("dispatch"),
        "depot": "d-north",
        "item": "art-155",
        "grouping": "g-east",
        "day": TODAY,
        "quantity": 1,
    }
    return _made(world, "logistics", "/dispatches", body)


def _report(world: World) -> dict[str, Any]:
    contract = world.approved.contracts["l1"] if world.approved else {}
    body = {
        "client_key": world.code("output"),
        "contract_id": contract["id"],
        "day": TODAY,
        "quantity": 1,
    }
    return _made(world, "producer", "/production-reports", body)


def _ledger(world: World) -> None:
    """Sign both contracts, give the depot organisation depot d-north, record a receipt under
    each contract, a dispatch and a production report."""
    assert world.approved is not None
    for line in ("l1", "l2"):
        contract = world.approved.contracts[line]
        world.ministry("POST", f"/contracts/{contract['id']}/sign", json={"version": 1})
    (depot_organisation,) = [o for o in world.read("/organisations") if o["name"] == "Depot North"]
    depot = world.ministry(
        "POST",
        "/depots",
        json={"code": "d-north", "name": "North", "organisation_id": depot_organisation["id"]},
    )
    world.ledger["depot"] = depot["id"]
    # d-north was made after approval: it receives the contracts once a planner says so
    # (decision 0010: approval gives the depots that exist then).
    for line in ("l1", "l2"):
        contract = world.ministry("GET", f"/contracts/{world.approved.contracts[line]['id']}")
        world.ministry(
            "PUT",
            f"/contracts/{contract['id']}/delivery-points",
            json={"version": contract["version"], "depots": ["d-north"]},
        )
    # 20: within the 32 the contract holds (decision 0010 refuses over-delivery)
    world.ledger["/receipts"] = _receipt(world, "l1", accepted=20)["id"]
    world.ledger["/receipts partner"] = _receipt(world, "l2")["id"]
    world.ledger["/dispatches"] = _dispatch(world)["id"]
    world.ledger["/production-reports"] = _report(world)["id"]


@_request("POST /foreign-receipts")
def _add_foreign_receipt(world: World, role: str) -> Call:
    body = {"client_key": world.code("fr"), "depot": "d-north", "country": "PL", "item": "fpv",
            "day": TODAY, "quantity": 10}  # fmt: skip
    return Call("POST", "/foreign-receipts", json=body)


@_request("GET /foreign-receipts")
def _foreign_receipts(world: World, role: str) -> Call:
    return Call("GET", "/foreign-receipts")


@_request("GET /reports/foreign-supply")
def _foreign_supply_report(world: World, role: str) -> Call:
    return Call("GET", "/reports/foreign-supply", params={"as_of": TODAY})


@_request("GET /depots")
def _depots(world: World, role: str) -> Call:
    return Call("GET", "/depots")


@_request("POST /depots")
def _add_depot(world: World, role: str) -> Call:
    return Call("POST", "/depots", json={"code": world.code("d"), "name": "Depot"})


@_request("GET /depots/{depot_id}")
def _depot(world: World, role: str) -> Call:
    return Call("GET", f"/depots/{world.ledger['depot']}")


@_request("PATCH /depots/{depot_id}")
def _change_depot(world: World, role: str) -> Call:
    depot = world.ministry("POST", "/depots", json={"code": world.code("d"), "name": "Depot"})
    return Call("PATCH", f"/depots/{depot['id']}", json={"version": 1, "name": "Renamed"})


@_request("GET /depots/{depot_id}/stock")
def _depots_stock(world: World, role: str) -> Call:
    return Call("GET", f"/depots/{world.ledger['depot']}/stock")


@_request("GET /depot-stock")
def _depot_stock(world: World, role: str) -> Call:
    return Call("GET", "/depot-stock")


def _ledger_requests(path: str, make: Callable[[World], dict[str, Any]]) -> None:
    """The list, read and reverse requests of one kind of ledger record (a partner reads the
    receipt under the contract its fund pays)."""

    @_request(f"GET {path}")
    def _list(world: World, role: str) -> Call:
        return Call("GET", path)

    @_request(f"GET {path}/{{record_id}}")
    def _get(world: World, role: str) -> Call:
        key = f"{path} partner" if f"{path} partner" in world.ledger and role == "partner" else path
        return Call("GET", f"{path}/{world.ledger[key]}")

    @_request(f"POST {path}/{{record_id}}/reverse")
    def _reverse(world: World, role: str) -> Call:
        allowed = MATRIX[f"POST {path}/{{record_id}}/reverse"][ROLES.index(role)] == 201
        record_id = make(world)["id"] if allowed else world.ledger[path]
        body = {"client_key": world.code("reversal"), "reason": "counted twice"}
        return Call("POST", f"{path}/{record_id}/reverse", json=body)


_ledger_requests("/receipts", _receipt)
_ledger_requests("/dispatches", _dispatch)
_ledger_requests("/production-reports", _report)


@_request("POST /receipts")
def _record_receipt(world: World, role: str) -> Call:
    contract = world.approved.contracts["l1"] if world.approved else {}
    body = {
        "client_key": world.code("receipt"),
        "depot": "d-north",
        "contract_id": contract["id"],
        "day": TODAY,
        "received": 2,
        "accepted": 1,
        "rejected": 1,
        "reason": "dented",
    }
    return Call("POST", "/receipts", json=body)


@_request("POST /ledger-batches")
def _record_day(world: World, role: str) -> Call:
    contract = world.approved.contracts["l1"] if world.approved else {}
    receipt = {"kind": "receipt", "client_key": world.code("receipt"), "depot": "d-north",
               "contract_id": contract["id"], "day": TODAY, "received": 1, "accepted": 1,
               "rejected": 0}  # fmt: skip
    dispatch = {"kind": "dispatch", "client_key": world.code("dispatch"), "depot": "d-north",
                "item": "art-155", "grouping": "g-east", "day": TODAY, "quantity": 1}  # fmt: skip
    return Call("POST", "/ledger-batches", json={"events": [receipt, dispatch]})


@_request("POST /dispatches")
def _record_dispatch(world: World, role: str) -> Call:
    body = {
        "client_key": world.code("dispatch"),
        "depot": "d-north",
        "item": "art-155",
        "grouping": "g-east",
        "day": TODAY,
        "quantity": 1,
    }
    return Call("POST", "/dispatches", json=body)


@_request("POST /production-reports")
def _record_output(world: World, role: str) -> Call:
    contract = world.approved.contracts["l1"] if world.approved else {}
    body = {
        "client_key": world.code("output"),
        "contract_id": contract["id"],
        "day": TODAY,
        "quantity": 1,
    }
    return Call("POST", "/production-reports", json=body)


@_request("GET /reports/daily")
def _daily(world: World, role: str) -> Call:
    return Call("GET", "/reports/daily", params={"day": TODAY})


@_request("GET /reports/plan-vs-actual")
def _plan_vs_actual(world: World, role: str) -> Call:
    return Call("GET", "/reports/plan-vs-actual", params={"as_of": TODAY})


# --- national targets: a planner's change gets a target of its own.


def _new_target(world: World) -> dict[str, Any]:
    return world.ministry(
        "POST", "/targets", json={"category": "drones", "period": "2026-12", "quantity": 100}
    )


@_request("GET /targets")
def _targets(world: World, role: str) -> Call:
    return Call("GET", "/targets")


@_request("POST /targets")
def _add_target(world: World, role: str) -> Call:
    body = {"category": "artillery_ammunition", "period": "2026-Q4", "multiple": 2,
            "base_month": "2026-09"}  # fmt: skip
    return Call("POST", "/targets", json=body)


@_request("GET /targets/report")
def _targets_report(world: World, role: str) -> Call:
    return Call("GET", "/targets/report", params={"as_of": TODAY})


@_request("GET /targets/report/workbook")
def _targets_workbook(world: World, role: str) -> Call:
    return Call("GET", "/targets/report/workbook", params={"as_of": TODAY})


@_request("GET /targets/{target_id}")
def _read_target(world: World, role: str) -> Call:
    return Call("GET", f"/targets/{_new_target(world)['id']}")


@_request("PATCH /targets/{target_id}")
def _change_target(world: World, role: str) -> Call:
    target = _new_target(world)
    body = {"version": target["version"], "quantity": 120}
    return Call("PATCH", f"/targets/{target['id']}", json=body)


@_request("DELETE /targets/{target_id}")
def _remove_target(world: World, role: str) -> Call:
    return Call("DELETE", f"/targets/{_new_target(world)['id']}")


@dataclass(frozen=True)
class SectionCase:
    """How the matrix exercises one registry section: a new record's body (for producer p1
    where the section has owners) and a change to make."""

    path: str
    new: Callable[[World], dict[str, Any]]
    change: dict[str, Any]


def _new_stock(world: World) -> dict[str, Any]:
    item = world.ministry("POST", "/items", json=SECTIONS["items"].new(world))
    return {"item": item["code"], "quantity": 1}


SECTIONS = {
    case.path.strip("/"): case
    for case in (
        SectionCase(
            "/items",
            lambda w: {"code": w.code("item"), "name": "Test item", "category": "drones"},
            {"name": "Renamed item"},
        ),
        SectionCase(
            "/producers",
            lambda w: {
                "code": w.code("p"),
                "name": "Test",
                "ownership": "private",
                "region": "r-1",
            },
            {"name": "Renamed producer"},
        ),
        SectionCase(
            "/lines",
            lambda w: {
                "code": w.code("l"),
                "producer": "p1",
                "item": "fpv",
                "capacity": 10,
                "price": 1,
            },
            {"price": 2},
        ),
        SectionCase(
            "/expansions",
            lambda w: {"code": w.code("e"), "line": "l1", "added_capacity": 5, "capex": 100},
            {"capex": 200},
        ),
        SectionCase("/groupings", lambda w: {"code": w.code("g")}, {"name": "Renamed grouping"}),
        SectionCase(
            "/needs",
            lambda w: {
                "item": "fpv",
                "grouping": "g-south",
                "month": 2,
                "quantity": 1,
                "operation": "stabilization",
                "priority": 2,
            },
            {"quantity": 2},
        ),
        SectionCase("/funds", lambda w: {"code": w.code("fund")}, {"name": "Renamed fund"}),
        SectionCase(
            "/foreign-supply",
            lambda w: {"item": "fpv", "month": 0, "quantity": 1},
            {"quantity": 2},
        ),
        SectionCase("/stock", _new_stock, {"quantity": 2}),
        SectionCase(
            "/export-orders",
            lambda w: {
                "code": w.code("x"),
                "item": "fpv",
                "month": 1,
                "quantity": 5,
                "price": 12,
                "buyer": "PL",
            },
            {"price": 13},
        ),
    )
}


def _target(world: World, section: str, role: str) -> dict[str, Any]:
    """The record a role changes or deletes: a new one (the producer's own where the section
    has owners), except a producer's user's own producer, which it cannot add."""
    if section == "producers" and role == "producer":
        return world.ministry("GET", f"/producers/{world.ids['producers']}")
    return world.ministry("POST", f"/{section}", json=SECTIONS[section].new(world))


def _section_requests(section: str) -> None:
    case = SECTIONS[section]

    @_request(f"GET {case.path}")
    def _list(world: World, role: str) -> Call:
        return Call("GET", case.path)

    @_request(f"GET {case.path}/{{record_id}}")
    def _get(world: World, role: str) -> Call:
        return Call("GET", f"{case.path}/{world.ids[section]}")

    @_request(f"POST {case.path}")
    def _create(world: World, role: str) -> Call:
        return Call("POST", case.path, json=case.new(world))

    @_request(f"PATCH {case.path}/{{record_id}}")
    def _update(world: World, role: str) -> Call:
        record = _target(world, section, role)
        change = dict(case.change)
        if section == "producers":
            change["name"] = world.code("Renamed")  # a name that really changes
        return Call(
            "PATCH", f"{case.path}/{record['id']}", json={"version": record["version"], **change}
        )

    @_request(f"DELETE {case.path}/{{record_id}}")
    def _delete(world: World, role: str) -> Call:
        record = _target(world, section, role)
        return Call("DELETE", f"{case.path}/{record['id']}", params={"version": record["version"]})


for _section in SECTIONS:
    _section_requests(_section)


@_request("POST /plan-runs")
def _start_run(world: World, role: str) -> Call:
    return Call("POST", "/plan-runs", json={"mode": "lp"})


@_request("GET /plan-runs")
def _runs(world: World, role: str) -> Call:
    return Call("GET", "/plan-runs")


@_request("GET /plan-runs/{run_id}")
def _run(world: World, role: str) -> Call:
    return Call("GET", f"/plan-runs/{world.finished_run}")


@_request("POST /plan-runs/{run_id}/cancel")
def _cancel_run(world: World, role: str) -> Call:
    # A queued run of its own: no worker runs here, so it stays queued until cancelled.
    run = world.ministry("POST", "/plan-runs", json={})
    return Call("POST", f"/plan-runs/{run['id']}/cancel")


def _run_part(part: str) -> None:
    @_request(f"GET /plan-runs/{{run_id}}/{part}")
    def _read(world: World, role: str) -> Call:
        return Call("GET", f"/plan-runs/{world.finished_run}/{part}")


for _part in (
    "instance",
    "workbook",
    "tiers",
    "deliveries",
    "payments",
    "expansions",
    "allocations",
    "shortfalls",
    "exports",
    "surplus",
    "economy",
):
    _run_part(_part)


@_request("GET /plan-runs/{run_id}/compare/{other_id}")
def _compare_runs(world: World, role: str) -> Call:
    return Call("GET", f"/plan-runs/{world.finished_run}/compare/{world.finished_run}")


@_request("POST /plan-runs/{run_id}/shortfalls/{number}/close")
def _close_shortfall(world: World, role: str) -> Call:
    return Call("POST", f"/plan-runs/{world.finished_run}/shortfalls/1/close")


def _queued_job(world: World) -> int:
    """A job of the ministry's, queued (no worker runs in this module)."""
    job: int = world.ministry("POST", f"/plan-runs/{world.finished_run}/shortfalls/1/close")["id"]
    return job


@_request("GET /jobs")
def _list_jobs(world: World, role: str) -> Call:
    return Call("GET", "/jobs", params={"kind": "close"})


@_request("GET /jobs/{job_id}")
def _read_job(world: World, role: str) -> Call:
    return Call("GET", f"/jobs/{_queued_job(world)}")


@_request("POST /jobs/{job_id}/cancel")
def _cancel_job(world: World, role: str) -> Call:
    return Call("POST", f"/jobs/{_queued_job(world)}/cancel")


@_request("POST /plan-runs/{run_id}/money-curve")
def _money_curve(world: World, role: str) -> Call:
    body = {"fund": "dk", "year": 2026, "maximum": 100000, "steps": 1}
    return Call("POST", f"/plan-runs/{world.finished_run}/money-curve", json=body)


# --- the matrix ---------------------------------------------------------------------------------


def test_the_matrix_has_a_row_for_every_endpoint_and_no_other() -> None:
    documented, written, sent = set(DOCUMENTED), set(MATRIX), set(REQUESTS)

    assert sorted(documented - written) == [], "endpoints without a row in MATRIX"
    assert sorted(written - documented) == [], "rows of MATRIX for no endpoint"
    assert sorted(written ^ sent) == [], "rows of MATRIX without a request, or the reverse"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(set(DOCUMENTED) | set(MATRIX)))
def test_access(world: World, operation: str, role: str) -> None:
    if operation not in MATRIX:
        pytest.fail(f"{operation} has no row in MATRIX: write down what every role gets")
    if operation not in DOCUMENTED:
        pytest.fail(f"MATRIX has a row for {operation}, which the OpenAPI document lacks")
    if operation not in REQUESTS:
        pytest.fail(f"{operation} has no request in REQUESTS to check its row with")
    expected = MATRIX[operation][ROLES.index(role)]

    response = world.send(role, REQUESTS[operation](world, role))

    assert response.status_code == expected, (
        f"{operation} as {role}: expected {expected}, got {response.status_code}: "
        f"{response.text[:300]}"
    )
    if expected in ERROR_NAMES:
        assert response.json()["error"] == ERROR_NAMES[expected]


# --- ownership: what a producer's user and a partner reach ------------------------------------

OTHER_PRODUCERS_RECORDS = [("producers", "p2"), ("lines", "l2"), ("expansions", "e2")]
SOME_CHANGE = {"producers": {"name": "Mine"}, "lines": {"price": 1}, "expansions": {"capex": 1}}


def _id(world: World, section: str, code: str) -> int:
    (record,) = world.read(f"/{section}", code=code)
    record_id: int = record["id"]
    return record_id


class TestProducerReach:
    """Producer p1's user finds none of producer p2's records and writes nothing for p2."""

    @pytest.mark.parametrize(("section", "code"), OTHER_PRODUCERS_RECORDS)
    @pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
    def test_another_producers_record_is_not_found(
        self, world: World, section: str, code: str, method: str
    ) -> None:
        record_id = _id(world, section, code)
        body = {"version": 1, **SOME_CHANGE[section]} if method == "PATCH" else None

        response = world.send("producer", Call(method, f"/{section}/{record_id}", json=body))

        assert response.status_code == 404, response.text
        noun = section.removesuffix("s")
        assert response.json() == {
            "error": "NotFound",
            "code": "not_found",
            "detail": f"{noun} {record_id} not found",
            "problems": [],
        }
        assert world.read(f"/{section}", code=code)[0]["version"] == 1  # untouched

    @pytest.mark.parametrize(("user", "producer"), [("producer", "p1"), ("other_producer", "p2")])
    def test_lists_hold_only_its_own_producers_rows(
        self, world: World, user: str, producer: str
    ) -> None:
        lines = world.read("/lines", producer=producer)
        own = {
            "producers": world.read("/producers", code=producer),
            "lines": lines,
            "expansions": [
                expansion
                for line in lines
                for expansion in world.read("/expansions", line=line["code"])
            ],
        }
        for section, expected in own.items():
            response = world.send(user, Call("GET", f"/{section}", params={"limit": 1000}))

            assert response.status_code == 200, response.text
            page = response.json()
            assert sorted(page["items"], key=lambda r: r["id"]) == sorted(
                expected, key=lambda r: r["id"]
            ), section
            assert page["total"] == len(expected)
        assert {line["producer"] for line in lines} == {producer}

    def test_a_filter_does_not_reach_past_its_scope(self, world: World) -> None:
        response = world.send("producer", Call("GET", "/lines", params={"producer": "p2"}))

        assert response.status_code == 200
        assert (response.json()["items"], response.json()["total"]) == ([], 0)

    def test_it_cannot_add_a_line_for_another_producer(self, world: World) -> None:
        body = SECTIONS["lines"].new(world) | {"producer": "p2"}

        response = world.send("producer", Call("POST", "/lines", json=body))
        none = world.send("producer", Call("POST", "/lines", json=body | {"producer": "p404"}))

        # the answer of a producer that does not exist: p2's existence is not told
        assert response.status_code == none.status_code == 422, response.text
        assert response.json()["problems"] == [
            {"field": "producer", "message": 'unknown producer "p2"'}
        ]
        assert response.text.replace("p2", "p404") == none.text
        assert world.read("/lines", code=body["code"]) == []

    def test_it_cannot_move_its_line_to_another_producer(self, world: World) -> None:
        line = world.ministry("POST", "/lines", json=SECTIONS["lines"].new(world))

        response = world.send(
            "producer",
            Call("PATCH", f"/lines/{line['id']}", json={"version": 1, "producer": "p2"}),
        )

        assert response.status_code == 422, response.text
        assert response.json()["problems"] == [
            {"field": "producer", "message": 'unknown producer "p2"'}
        ]
        assert world.ministry("GET", f"/lines/{line['id']}")["producer"] == "p1"

    def test_it_cannot_add_an_expansion_to_another_producers_line(self, world: World) -> None:
        body = SECTIONS["expansions"].new(world) | {"line": "l2"}

        response = world.send("producer", Call("POST", "/expansions", json=body))
        none = world.send("producer", Call("POST", "/expansions", json=body | {"line": "l404"}))

        assert response.status_code == none.status_code == 422, response.text
        assert response.json()["problems"] == [{"field": "line", "message": 'unknown line "l2"'}]
        assert response.text.replace("l2", "l404") == none.text
        assert world.read("/expansions", code=body["code"]) == []

    def test_it_cannot_move_its_expansion_to_another_producers_line(self, world: World) -> None:
        expansion = world.ministry("POST", "/expansions", json=SECTIONS["expansions"].new(world))

        response = world.send(
            "producer",
            Call("PATCH", f"/expansions/{expansion['id']}", json={"version": 1, "line": "l2"}),
        )

        assert response.status_code == 422, response.text
        assert response.json()["problems"] == [{"field": "line", "message": 'unknown line "l2"'}]
        assert world.ministry("GET", f"/expansions/{expansion['id']}")["line"] == "l1"

    @pytest.mark.parametrize(
        "change",
        [
            {"region": "r-2"},
            {"ownership": "private"},
            {"ownership": "joint_venture", "partners": [{"country": "DK", "share": 0.5}]},
        ],
        ids=["region", "ownership", "partners"],
    )
    def test_its_producers_registry_facts_are_the_ministrys(
        self, world: World, change: dict[str, Any]
    ) -> None:
        before = world.ministry("GET", f"/producers/{world.ids['producers']}")

        response = world.send(
            "producer",
            Call(
                "PATCH",
                f"/producers/{before['id']}",
                json={"version": before["version"], **change},
            ),
        )

        assert response.status_code == 403, response.text
        after = world.ministry("GET", f"/producers/{before['id']}")
        assert {name: after[name] for name in change} == {name: before[name] for name in change}


class TestPartnerReach:
    """Fund dk's partner reads fund dk and, in a plan run, what dk pays for."""

    def test_it_lists_only_its_fund(self, world: World) -> None:
        response = world.send("partner", Call("GET", "/funds", params={"limit": 1000}))

        assert response.status_code == 200
        assert [fund["code"] for fund in response.json()["items"]] == ["dk"]
        assert response.json()["total"] == 1

    @pytest.mark.parametrize("code", ["state", "eu", "jv-own"])
    def test_another_fund_is_not_found(self, world: World, code: str) -> None:
        fund_id = _id(world, "funds", code)

        response = world.send("partner", Call("GET", f"/funds/{fund_id}"))

        assert response.status_code == 404, response.text
        assert response.json()["detail"] == f"fund {fund_id} not found"

    def test_it_reads_only_its_funds_payments_of_a_run(self, world: World) -> None:
        path = f"/plan-runs/{world.finished_run}/payments"
        every = world.read(path)

        response = world.send("partner", Call("GET", path, params={"limit": 1000}))

        assert response.status_code == 200
        assert {payment["fund"] for payment in every} == {"dk", "state"}
        assert response.json()["items"] == [p for p in every if p["fund"] == "dk"]
        assert response.json()["total"] == len(response.json()["items"]) > 0

    def test_it_reads_only_its_funds_part_of_the_deliveries(self, world: World) -> None:
        # Issue 12: a partner sees what its funds pay, scaled to their share of the line's
        # payments that year, so no other fund's share can be read off.
        run = world.finished_run
        payments = world.read(f"/plan-runs/{run}/payments")
        every = world.read(f"/plan-runs/{run}/deliveries")
        start = world.ministry("GET", f"/plan-runs/{run}/instance")["start"]

        def share(line: str, year: int) -> float:
            amounts = [p for p in payments if (p["line"], p["year"]) == (line, year)]
            own = sum(p["amount"] for p in amounts if p["fund"] == "dk")
            return own / sum(p["amount"] for p in amounts) if amounts else 0.0

        expected = []
        for delivery in every:
            part = share(
                delivery["line"], int(start[:4]) + (int(start[5:7]) - 1 + delivery["month"]) // 12
            )
            if part > 0:
                expected.append(
                    {
                        **delivery,
                        "quantity": pytest.approx(delivery["quantity"] * part),
                        "value": pytest.approx(delivery["value"] * part),
                    }
                )

        response = world.send(
            "partner", Call("GET", f"/plan-runs/{run}/deliveries", params={"limit": 1000})
        )

        assert response.status_code == 200
        assert {d["line"] for d in every} == {"l1", "l2"}
        assert {d["line"] for d in response.json()["items"]} == {"l2"}
        assert response.json()["items"] == expected

    def test_a_filter_does_not_reach_past_its_funds(self, world: World) -> None:
        response = world.send(
            "partner",
            Call("GET", f"/plan-runs/{world.finished_run}/payments", params={"fund": "state"}),
        )

        assert response.status_code == 200
        assert response.json()["items"] == []

    def test_it_does_not_see_the_troops_shortfalls_in_a_run(self, world: World) -> None:
        response = world.send("partner", Call("GET", f"/plan-runs/{world.finished_run}"))

        assert response.status_code == 200
        run = response.json()
        assert (run["cost"], run["coverage"], run["tiers"]) == (None, None, [])


class TestExportOrdersReach:
    """A producer sees an offer only when a planner shared it and it makes the offer's item."""

    def _offer(self, world: World, *, item: str, shared: bool) -> dict[str, Any]:
        body = {"code": world.code("x"), "item": item, "month": 2, "quantity": 3, "price": 7}
        return world.ministry(
            "POST", "/export-orders", json=body | {"buyer": "FI", "shared": shared}
        )

    def test_it_lists_only_shared_offers_for_its_items(self, world: World) -> None:
        hidden = self._offer(world, item="art-155", shared=False)
        # an item only producer p2 makes (other checks give p1 lines of fpv)
        item = world.ministry("POST", "/items", json=SECTIONS["items"].new(world))["code"]
        line = {"code": world.code("l"), "producer": "p2", "item": item, "capacity": 1, "price": 1}
        world.ministry("POST", "/lines", json=line)
        not_its_item = self._offer(world, item=item, shared=True)

        response = world.send("producer", Call("GET", "/export-orders", params={"limit": 1000}))

        codes = {offer["code"] for offer in response.json()["items"]}
        assert "x-shared" in codes
        assert hidden["code"] not in codes
        assert not_its_item["code"] not in codes
        for offer in (hidden, not_its_item):
            found = world.send("producer", Call("GET", f"/export-orders/{offer['id']}"))
            assert found.status_code == 404
            assert found.json()["detail"] == f"export order {offer['id']} not found"

    def test_sharing_is_a_planners_change_that_counts_a_version(self, world: World) -> None:
        offer = self._offer(world, item="art-155", shared=False)

        shared = world.ministry(
            "PATCH", f"/export-orders/{offer['id']}", json={"version": 1, "shared": True}
        )

        assert (shared["shared"], shared["version"]) == (True, 2)
        seen = world.send("producer", Call("GET", f"/export-orders/{offer['id']}"))
        assert seen.status_code == 200
        assert seen.json()["price"] == 7
        assert seen.json()["buyer"] == "FI"

    def test_an_unknown_item_is_named(self, world: World) -> None:
        body = {"code": world.code("x"), "item": "nope", "month": 0, "quantity": 1, "price": 1}
        response = world.send(
            "planner", Call("POST", "/export-orders", json=body | {"buyer": "PL"})
        )

        assert response.status_code == 422, response.text
        assert [p["field"] for p in response.json()["problems"]] == ["item"]

    def test_a_producer_may_change_its_employees(self, world: World) -> None:
        before = world.ministry("GET", f"/producers/{world.ids['producers']}")

        response = world.send(
            "producer",
            Call(
                "PATCH",
                f"/producers/{before['id']}",
                json={"version": before["version"], "employees": 420},
            ),
        )

        assert response.status_code == 200, response.text
        assert response.json()["employees"] == 420


class TestRunEconomy:
    """The finished run of the module: its economy adds up, and exports change no tier."""

    def test_the_regions_spend_adds_up_to_the_payments(self, world: World) -> None:
        run = world.finished_run
        economy = world.ministry("GET", f"/plan-runs/{run}/economy")
        payments = world.read(f"/plan-runs/{run}/payments")
        total = sum(p["amount"] for p in payments)

        assert sum(r["spend"] for r in economy["by_region"]) == pytest.approx(total, rel=1e-9)
        assert sum(r["spend"] for r in economy["by_ownership"]) == pytest.approx(total, rel=1e-9)
        assert sum(r["spend"] for r in economy["by_fund_region"]) == pytest.approx(total, rel=1e-9)
        assert {r["fund"] for r in economy["by_fund_region"]} == {"dk", "state"}

    def test_a_partner_sees_where_only_its_funds_money_lands(self, world: World) -> None:
        run = world.finished_run
        every = world.ministry("GET", f"/plan-runs/{run}/economy")["by_fund_region"]

        response = world.send("partner", Call("GET", f"/plan-runs/{run}/economy"))

        assert response.status_code == 200
        assert set(response.json()) == {"run", "currency", "by_fund_region"}
        assert response.json()["by_fund_region"] == [r for r in every if r["fund"] == "dk"]

    def test_the_tiers_and_cost_are_those_of_the_plan_without_export_orders(
        self, world: World
    ) -> None:
        exports = world.ministry("GET", f"/plan-runs/{world.finished_run}/exports")

        assert [order["order"] for order in exports["orders"]] == ["x-shared"]
        assert exports["cost"] == pytest.approx(exports["cost_without_exports"], rel=1e-9)
        assert exports["tiers"]
        for tier in exports["tiers"]:
            assert tier["weighted_unit_months_short"] == pytest.approx(
                tier["without_exports"], abs=1e-6
            )

    def test_a_money_curve_names_a_fund_it_does_not_know(self, world: World) -> None:
        body = {"fund": "nope", "year": 2026, "maximum": 1000, "steps": 1}
        response = world.send(
            "planner", Call("POST", f"/plan-runs/{world.finished_run}/money-curve", json=body)
        )

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {"field": "fund", "message": "no fund 'nope' in the run's snapshot"}
        ]

    def test_a_money_curve_never_raises_a_tier(self, world: World) -> None:
        body = {"fund": "state", "year": 2026, "maximum": 200000, "steps": 2}
        job = world.ministry("POST", f"/plan-runs/{world.finished_run}/money-curve", json=body)
        assert claim_job(engine=world.engine, job_id=job["id"])
        run_job(engine=world.engine, job_id=job["id"])
        curve = world.ministry("GET", f"/jobs/{job['id']}")["result"]

        by_step: dict[int, list[float]] = {}
        for row in curve["rows"]:
            by_step.setdefault(row["step"], []).append(row["weighted_unit_months_short"])
        values = [tuple(by_step[step]) for step in sorted(by_step)]
        assert [row["extra"] for row in curve["rows"] if row["priority"] == 1] == [
            0,
            100000,
            200000,
        ]
        assert all(b <= a for a, b in itertools.pairwise(values))


def _new_scenario(world: World) -> dict[str, Any]:
    body = {
        "name": world.code("strike"),
        "changes": [{"kind": "capacity_loss", "producers": ["p1"], "last_month": 1}],
    }
    scenario: dict[str, Any] = world.ministry("POST", "/scenarios", json=body)
    return scenario


@_request("GET /scenarios")
def _scenarios(world: World, role: str) -> Call:
    return Call("GET", "/scenarios")


@_request("POST /scenarios")
def _add_scenario(world: World, role: str) -> Call:
    body = {"name": world.code("surge"), "changes": [{"kind": "need_surge", "factor": 1.2}]}
    return Call("POST", "/scenarios", json=body)


@_request("GET /scenarios/{scenario_id}")
def _read_scenario(world: World, role: str) -> Call:
    return Call("GET", f"/scenarios/{_new_scenario(world)['id']}")


@_request("PUT /scenarios/{scenario_id}")
def _replace_scenario(world: World, role: str) -> Call:
    scenario = _new_scenario(world)
    body = {**scenario["document"], "version": scenario["version"], "description": "changed"}
    return Call("PUT", f"/scenarios/{scenario['id']}", json=body)


@_request("DELETE /scenarios/{scenario_id}")
def _remove_scenario(world: World, role: str) -> Call:
    return Call("DELETE", f"/scenarios/{_new_scenario(world)['id']}")


@_request("POST /scenarios/{scenario_id}/runs")
def _run_scenario(world: World, role: str) -> Call:
    body = {"plan_run_id": world.finished_run}
    return Call("POST", f"/scenarios/{_new_scenario(world)['id']}/runs", json=body)


@_request("POST /sweeps")
def _start_sweep(world: World, role: str) -> Call:
    return Call("POST", "/sweeps", json={"plan_run_id": world.finished_run, "scenarios": 2})


@_request("POST /critical")
def _start_critical(world: World, role: str) -> Call:
    return Call("POST", "/critical", json={"plan_run_id": world.finished_run, "top": 1})
