"""An API on a real database (SQLite, and PostgreSQL when KUZNIA_TEST_DATABASE_URL is set),
holding tests/db/builders.py's VARIED registry and one user per role.

Users (password `forge-test-password-1` for all):
    planner@ministry.test     planner    Ministry
    admin@ministry.test       admin      Ministry
    auditor@audit.test        auditor    Audit office
    p1@producer.test          producer   Producer One      (producer p1)
    p2@producer.test          producer   Producer Two      (producer p2)
    dk@partner.test           partner    Partner DK        (fund dk)
    depot@depot.test          logistics  Depot North
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kuznia.auth import service as auth_service
from kuznia.db import session_scope
from kuznia.main import create_app
from kuznia.models import OrganisationKind, Role
from kuznia.registry import import_instance
from kuznia.settings import Settings
from tests.apps import app_without_workers
from tests.db.builders import varied

PASSWORD = "forge-test-password-1"

ORGANISATIONS = [
    ("Ministry", OrganisationKind.ministry, None, []),
    ("Audit office", OrganisationKind.auditor, None, []),
    ("Producer One", OrganisationKind.producer, "p1", []),
    ("Producer Two", OrganisationKind.producer, "p2", []),
    ("Partner DK", OrganisationKind.partner, None, ["dk"]),
    ("Depot North", OrganisationKind.depot, None, []),
]
USERS = {
    "planner": ("planner@ministry.test", Role.planner, "Ministry"),
    "admin": ("admin@ministry.test", Role.admin, "Ministry"),
    "auditor": ("auditor@audit.test", Role.auditor, "Audit office"),
    "producer": ("p1@producer.test", Role.producer, "Producer One"),
    "other_producer": ("p2@producer.test", Role.producer, "Producer Two"),
    "partner": ("dk@partner.test", Role.partner, "Partner DK"),
    "logistics": ("depot@depot.test", Role.logistics, "Depot North"),
}
ROLES = ["planner", "admin", "auditor", "producer", "partner", "logistics"]


CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# What an unknown e-mail's password is checked against, at the same cost as the users' (as in
# production, where both cost the production cost).
CHEAP_DUMMY_HASH = CHEAP_HASHER.hash("not a password of anyone")


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with its least cost: the tests log in dozens of users, and hashing at the
    production cost (a quarter of a second each on a busy machine) would dominate them."""
    monkeypatch.setattr(auth_service, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(auth_service, "_DUMMY_HASH", CHEAP_DUMMY_HASH)


def populate(engine: Engine) -> None:
    """Import VARIED and add the organisations and users above."""
    with session_scope(engine) as session:
        import_instance(session=session, instance=varied())
        for name, kind, producer, funds in ORGANISATIONS:
            auth_service.add_organisation(
                session=session, name=name, kind=kind, producer=producer, funds=funds
            )
        for email, role, organisation in USERS.values():
            auth_service.add_user(
                session=session,
                email=email,
                password=PASSWORD,
                role=role,
                organisation=organisation,
            )


@dataclass
class Api:
    """A test client with a token per user."""

    client: TestClient
    tokens: dict[str, str]

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, user: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.get(path, headers=self.headers(user), **kwargs)

    def post(self, user: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.post(path, headers=self.headers(user), **kwargs)

    def patch(self, user: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.patch(path, headers=self.headers(user), **kwargs)

    def delete(self, user: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.delete(path, headers=self.headers(user), **kwargs)

    def find(self, user: str, path: str, **filters: object) -> dict:  # type: ignore[type-arg]
        """The one record of `path` matching `filters`, read as `user`."""
        response = self.get(user, path, params=filters)
        assert response.status_code == 200, response.text
        (record,) = response.json()["items"]
        return record  # type: ignore[no-any-return]


def make_api(
    engine: Engine, *, workers: bool = False, dask_scheduler: str | None = None
) -> Iterator[Api]:
    populate(engine)
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        dask_scheduler=dask_scheduler,
    )
    app = (
        create_app(settings=settings, engine=engine, workers=True)
        if workers
        else app_without_workers(settings=settings, engine=engine)
    )
    with TestClient(app) as client:
        tokens = {}
        for user, (email, _, _) in USERS.items():
            response = client.post(
                "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            tokens[user] = response.json()["token"]
        yield Api(client=client, tokens=tokens)


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    """The API on VARIED, without plan workers."""
    yield from make_api(engine)
