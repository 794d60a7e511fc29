"""Authentication remembers a token for a few seconds (`kuznia.auth.cache`) yet honours
revocation: at once in the process that revokes, within `token_cache_seconds` in any other
(here, a revocation written straight into the database, as another server process would)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from kuznia.auth.cache import TokenCache
from kuznia.auth.permissions import Scope
from kuznia.main import create_app
from kuznia.models import ApiToken, Role
from kuznia.settings import Settings
from tests.api.conftest import PASSWORD, USERS, populate

BOUND = 2.0  # seconds a token is remembered in these tests
ME = "/api/v1/auth/me"


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    populate(engine)
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False), token_cache_seconds=BOUND
    )
    with TestClient(create_app(settings=settings, engine=engine, workers=False)) as client:
        yield client


def log_in(client: TestClient, user: str) -> dict[str, str]:
    email = USERS[user][0]
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def revoke_elsewhere(engine: Engine) -> None:
    """Revoke every token in the database, as another server process would."""
    with engine.begin() as connection:
        connection.execute(update(ApiToken).values(revoked_at=datetime.now(UTC)))


def test_a_token_revoked_by_another_process_is_refused_within_the_bound(
    client: TestClient, engine: Engine
) -> None:
    headers = log_in(client, "logistics")
    assert client.get(ME, headers=headers).status_code == 200
    revoke_elsewhere(engine)
    revoked = time.monotonic()
    answers = []
    while time.monotonic() - revoked < BOUND + 1.0:
        answers.append((time.monotonic() - revoked, client.get(ME, headers=headers).status_code))
        time.sleep(0.1)
    # remembered for a while (the cache is used), then refused, and refused for good
    assert answers[0][1] == 200
    refused = [at for at, status in answers if status == 401]
    assert refused
    assert refused[0] <= BOUND + 0.5  # the bound, and one poll
    assert all(status == 401 for at, status in answers if at >= refused[0])


def test_a_logged_out_token_is_refused_at_once_in_the_process_that_revoked_it(
    client: TestClient,
) -> None:
    headers = log_in(client, "logistics")
    assert client.get(ME, headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get(ME, headers=headers).status_code == 401


def test_a_deactivated_users_token_is_refused_at_once_in_the_process_that_deactivated_it(
    client: TestClient,
) -> None:
    admin, depot = log_in(client, "admin"), log_in(client, "logistics")
    me = client.get(ME, headers=depot).json()
    answer = client.patch(
        f"/api/v1/users/{me['id']}", json={"active": False, "version": me["version"]}, headers=admin
    )
    assert answer.status_code == 200, answer.text
    assert client.get(ME, headers=depot).status_code == 401


def test_without_the_memory_a_revocation_elsewhere_is_refused_at_once(
    engine: Engine,
) -> None:
    populate(engine)
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False), token_cache_seconds=0
    )
    with TestClient(create_app(settings=settings, engine=engine, workers=False)) as client:
        headers = log_in(client, "logistics")
        assert client.get(ME, headers=headers).status_code == 200
        revoke_elsewhere(engine)
        assert client.get(ME, headers=headers).status_code == 401


class TestTheMemory:
    SCOPE = Scope(user_id=3, role=Role.logistics, organisation_id=5)
    FAR = datetime(2099, 1, 1, tzinfo=UTC)

    def test_an_entry_lasts_its_seconds_and_no_longer(self) -> None:
        clock = [100.0]
        cache = TokenCache(clock=lambda: clock[0])
        now = datetime(2026, 12, 7, tzinfo=UTC)
        cache.put("h", scope=self.SCOPE, email="a@b.test", expires_at=self.FAR, seconds=5)
        clock[0] = 104.9
        found = cache.get("h", seconds=5, now=now)
        assert found is not None
        assert found.scope == self.SCOPE
        clock[0] = 105.0
        assert cache.get("h", seconds=5, now=now) is None

    def test_an_entry_ends_with_its_token(self) -> None:
        cache = TokenCache(clock=lambda: 0.0)
        expires = datetime(2026, 12, 7, 12, tzinfo=UTC)
        cache.put("h", scope=self.SCOPE, email="a@b.test", expires_at=expires, seconds=5)
        assert cache.get("h", seconds=5, now=expires) is None

    def test_forgetting_a_user_forgets_its_tokens_only(self) -> None:
        cache = TokenCache(clock=lambda: 0.0)
        other = Scope(user_id=4, role=Role.logistics, organisation_id=5)
        now = datetime(2026, 12, 7, tzinfo=UTC)
        cache.put("mine", scope=self.SCOPE, email="a@b.test", expires_at=self.FAR, seconds=5)
        cache.put("theirs", scope=other, email="c@b.test", expires_at=self.FAR, seconds=5)
        cache.forget_user(3)
        assert cache.get("mine", seconds=5, now=now) is None
        assert cache.get("theirs", seconds=5, now=now) is not None
