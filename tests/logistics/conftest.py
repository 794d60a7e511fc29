"""The execution world of these tests, on the API's VARIED registry and users
(tests/api/conftest.py), on SQLite and PostgreSQL:

    depot d-north   run by "Depot North" (user depot@depot.test, "logistics")
    depot d-south   run by "Depot South" (user south@depot.test, "south")
    contract C-1    producer p1, line l1, item art-155: 2026-10 100, 2026-11 300, 2026-12 300;
                    paid by the state budget; signed
    contract C-2    producer p2, line l2, item fpv: 2026-11 600; paid by fund dk; signed
    contract C-3    producer p1, line l1, item art-155: a draft
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select

from kuznia.auth import service as auth_service
from kuznia.auth.permissions import Scope
from kuznia.db import session_scope
from kuznia.models import ContractStatus, OrganisationKind, Role, User
from tests.api.conftest import PASSWORD, Api, api, cheap_password_hashes
from tests.logistics.builders import add_contract, add_depot

__all__ = ["World", "api", "cheap_password_hashes", "world"]


@dataclass
class World:
    """The API, and the ids of the world's depots and contracts."""

    api: Api
    engine: Engine
    north: int
    south: int
    c1: int
    c2: int
    c3: int


@pytest.fixture
def world(api: Api, engine: Engine) -> World:
    with session_scope(engine) as session:
        auth_service.add_organisation(
            session=session, name="Depot South", kind=OrganisationKind.depot
        )
        auth_service.add_user(
            session=session,
            email="south@depot.test",
            password=PASSWORD,
            role=Role.logistics,
            organisation="Depot South",
        )
        north = add_depot(session, code="d-north", organisation="Depot North")
        south = add_depot(session, code="d-south", organisation="Depot South")
        c1 = add_contract(
            session,
            number="C-1",
            producer="p1",
            line="l1",
            item="art-155",
            schedule={"2026-10": 100, "2026-11": 300, "2026-12": 300},
        )
        c2 = add_contract(
            session,
            number="C-2",
            producer="p2",
            line="l2",
            item="fpv",
            schedule={"2026-11": 600},
            funds=[("dk", 1.0)],
        )
        c3 = add_contract(
            session,
            number="C-3",
            producer="p1",
            line="l1",
            item="art-155",
            schedule={"2026-12": 50},
            status=ContractStatus.draft,
        )
        ids = (north.id, south.id, c1.id, c2.id, c3.id)
    login = api.client.post(
        "/api/v1/auth/login", json={"email": "south@depot.test", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    api.tokens["south"] = login.json()["token"]
    return World(api, engine, *ids)


@pytest.fixture
def north_scope(world: World) -> Scope:
    """The scope of Depot North's logistics user, as a request would have it."""
    with session_scope(world.engine) as session:
        user = session.scalars(select(User).where(User.email == "depot@depot.test")).one()
        return Scope(
            user_id=user.id,
            role=Role.logistics,
            organisation_id=user.organisation_id,
            depot_ids=frozenset({world.north}),
        )
