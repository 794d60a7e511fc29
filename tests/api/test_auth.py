"""Logging in and out, tokens, and the admin's users."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from kuznia.db import session_scope
from kuznia.models import ApiToken, User
from tests.api.conftest import PASSWORD, Api


def login(api: Api, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return api.client.post("/api/v1/auth/login", json={"email": email, "password": password})


class TestLogin:
    def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(self, api: Api) -> None:
        wrong = login(api, "planner@ministry.test", "nope")
        unknown = login(api, "nobody@ministry.test", "nope")

        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()

    def test_the_email_is_case_insensitive(self, api: Api) -> None:
        assert login(api, "Planner@Ministry.TEST").status_code == 200

    def test_only_a_hash_of_the_token_is_stored(self, api: Api, engine: Engine) -> None:
        token = login(api, "planner@ministry.test").json()["token"]

        with session_scope(engine) as session:
            stored = session.scalars(select(ApiToken.token_hash)).all()
        assert token not in stored
        assert all(len(value) == 64 for value in stored)

    @pytest.mark.usefixtures("api")
    def test_passwords_are_stored_as_argon2_hashes(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            hashes = session.scalars(select(User.password_hash)).all()
        assert all(value.startswith("$argon2id$") for value in hashes)


class TestTokens:
    def test_logout_revokes_the_token(self, api: Api) -> None:
        assert api.post("planner", "/api/v1/auth/logout").status_code == 204

        response = api.get("planner", "/api/v1/auth/me")

        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"

    def test_an_expired_token_is_refused(self, api: Api, engine: Engine) -> None:
        with session_scope(engine) as session:
            session.execute(
                update(ApiToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )

        assert api.get("planner", "/api/v1/items").status_code == 401

    def test_deactivating_a_user_revokes_its_tokens(self, api: Api) -> None:
        user = api.get("producer", "/api/v1/auth/me").json()

        response = api.patch(
            "admin",
            f"/api/v1/users/{user['id']}",
            json={"version": user["version"], "active": False},
        )

        assert response.status_code == 200
        assert api.get("producer", "/api/v1/lines").status_code == 401
        assert login(api, "p1@producer.test").status_code == 401


class TestUsers:
    def test_the_admin_adds_a_user_who_can_then_log_in(self, api: Api) -> None:
        body = {
            "email": "new@ministry.test",
            "password": "long-enough-for-kuznia",
            "role": "planner",
            "organisation": "Ministry",
        }

        assert api.post("admin", "/api/v1/users", json=body).status_code == 201
        assert login(api, "new@ministry.test", "long-enough-for-kuznia").status_code == 200

    def test_a_role_must_fit_its_organisation(self, api: Api) -> None:
        body = {
            "email": "x@partner.test",
            "password": "long-enough-for-kuznia",
            "role": "producer",
            "organisation": "Partner DK",
        }

        response = api.post("admin", "/api/v1/users", json=body)

        assert response.status_code == 422
        assert response.json()["problems"][0]["field"] == "role"

    def test_a_producer_organisation_names_a_known_producer(self, api: Api) -> None:
        body = {"name": "Ghost", "kind": "producer", "producer": "p99"}

        response = api.post("admin", "/api/v1/organisations", json=body)

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {"field": "producer", "message": 'unknown producer "p99"'}
        ]


class TestMoving:
    def test_a_user_moved_to_another_producer_sees_that_producer_s_lines(self, api: Api) -> None:
        user = api.get("producer", "/api/v1/auth/me").json()

        response = api.patch(
            "admin",
            f"/api/v1/users/{user['id']}",
            json={"version": user["version"], "organisation": "Producer Two"},
        )

        assert response.status_code == 200
        assert response.json()["organisation"] == "Producer Two"
        assert api.get("producer", "/api/v1/lines").status_code == 401  # its tokens end
        token = login(api, "p1@producer.test").json()["token"]
        lines = api.client.get("/api/v1/lines", headers={"Authorization": f"Bearer {token}"})
        assert [line["code"] for line in lines.json()["items"]] == ["l2"]

    def test_a_move_to_an_organisation_of_another_kind_is_refused(self, api: Api) -> None:
        user = api.get("producer", "/api/v1/auth/me").json()

        response = api.patch(
            "admin",
            f"/api/v1/users/{user['id']}",
            json={"version": user["version"], "organisation": "Partner DK"},
        )

        assert response.status_code == 422
        assert response.json()["problems"][0]["field"] == "role"
        assert api.get("producer", "/api/v1/auth/me").json()["organisation"] == "Producer One"
