"""Hostile use of logging in and of credentials (issue 12, item 3), on SQLite and PostgreSQL:
login floods are throttled per account and per address (429 with Retry-After), passwords
follow one policy on the API (the CLI's and the pages' are in tests/db/test_users_cli.py and
tests/web/test_security.py), e-mails are normalised and look-alikes refused, and every user
can change their password, which logs out their other tokens.

The throttle's rules are the defaults: 5 free failures per account, 20 per address, then a
lock of 15 s that doubles with every further failure.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from kuznia.auth import service as auth_service
from kuznia.cli.demo import DEMO_USERS
from kuznia.cli.users import serve_warnings
from kuznia.db import session_scope
from kuznia.models import LoginAttempts, User
from tests.api.conftest import PASSWORD, Api


def login(api: Api, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return api.client.post("/api/v1/auth/login", json={"email": email, "password": password})


def new_user(**changes: str) -> dict[str, str]:
    return {
        "email": "new@ministry.test",
        "password": "a fine long passphrase",
        "role": "planner",
        "organisation": "Ministry",
        **changes,
    }


class TestThrottle:
    def test_61_wrong_passwords_then_the_right_one_is_refused_with_retry_after(
        self, api: Api
    ) -> None:
        answers = [login(api, "p1@producer.test", f"wrong-{n}").status_code for n in range(61)]

        right = login(api, "p1@producer.test")

        # 5 free failures, the 6th locks the account: the rest are refused unchecked
        assert answers == [401] * 6 + [429] * 55
        assert right.status_code == 429
        assert right.json()["error"] == "TooManyAttempts"
        assert right.json()["detail"].startswith("too many failed logins from this account")
        assert 1 <= int(right.headers["Retry-After"]) <= 15

    def test_the_lock_doubles_with_each_failure_after_it(self, api: Api, engine: Engine) -> None:
        for n in range(6):
            login(api, "p1@producer.test", f"wrong-{n}")
        with session_scope(engine) as session:  # the first lock has passed
            session.execute(update(LoginAttempts).values(locked_until=None))

        login(api, "p1@producer.test", "wrong-7")

        retry = int(login(api, "p1@producer.test").headers["Retry-After"])
        assert 16 <= retry <= 30

    def test_once_the_lock_passes_the_right_password_logs_in_and_clears_the_count(
        self, api: Api, engine: Engine
    ) -> None:
        for n in range(6):
            login(api, "p1@producer.test", f"wrong-{n}")
        with session_scope(engine) as session:
            session.execute(
                update(LoginAttempts).values(locked_until=datetime.now(UTC) - timedelta(seconds=1))
            )

        assert login(api, "p1@producer.test").status_code == 200
        with session_scope(engine) as session:
            kinds = session.scalars(select(LoginAttempts.kind)).all()
        assert kinds == ["address"]  # the address's count only fades with time

    def test_failures_against_many_accounts_lock_the_address(self, api: Api) -> None:
        answers = [login(api, f"guess-{n}@ministry.test", "wrong").status_code for n in range(21)]

        right = login(api, "planner@ministry.test")

        assert answers == [401] * 21
        assert right.status_code == 429
        assert right.json()["detail"].startswith("too many failed logins from this address")


class TestPasswordPolicy:
    def test_a_short_password_is_refused_naming_the_field(self, api: Api) -> None:
        response = api.post("admin", "/api/v1/users", json=new_user(password="12345678"))

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {
                "field": "password",
                "message": "the password has 8 characters: it needs at least 12",
                "code": "password_too_short",
            }
        ]

    def test_a_common_password_is_refused(self, api: Api) -> None:
        response = api.post("admin", "/api/v1/users", json=new_user(password="Password1234"))

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {
                "field": "password",
                "message": "the password is on the list of common passwords",
                "code": "password_common",
            }
        ]

    def test_the_email_s_name_is_refused_as_a_password(self, api: Api) -> None:
        body = new_user(email="quartermaster-north@ministry.test", password="Quartermaster-North")

        response = api.post("admin", "/api/v1/users", json=body)

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {
                "field": "password",
                "message": "the password is the e-mail's name: choose another",
                "code": "password_email_name",
            }
        ]

    def test_an_admin_setting_a_weak_password_is_refused(self, api: Api) -> None:
        user = api.find("admin", "/api/v1/users", limit=1)

        response = api.patch(
            "admin",
            f"/api/v1/users/{user['id']}",
            json={"version": user["version"], "password": "short"},
        )

        assert response.status_code == 422
        assert response.json()["problems"][0]["field"] == "password"


class TestEmails:
    def test_an_email_is_normalised_when_made_and_when_logging_in(self, api: Api) -> None:
        made = api.post("admin", "/api/v1/users", json=new_user(email="New.Planner@Ministry.TEST"))

        assert made.status_code == 201
        assert made.json()["email"] == "new.planner@ministry.test"
        assert (
            login(api, " NEW.planner@ministry.test ", "a fine long passphrase").status_code == 200
        )

    def test_a_fullwidth_look_alike_of_an_existing_email_is_refused(self, api: Api) -> None:
        response = api.post(
            "admin", "/api/v1/users", json=new_user(email="ａｄｍｉｎ@ministry.test")
        )

        assert response.status_code == 409
        assert response.json()["detail"] == 'a user with email "admin@ministry.test" exists'

    def test_a_cyrillic_look_alike_letter_is_refused_naming_the_field(self, api: Api) -> None:
        response = api.post("admin", "/api/v1/users", json=new_user(email="аdmin@ministry.test"))

        assert response.status_code == 422
        (problem,) = response.json()["problems"]
        assert problem["field"] == "email"
        assert problem["message"].startswith("'аdmin@ministry.test' has characters outside ASCII")


class TestPasswordChange:
    def test_a_user_changes_the_password_and_the_other_tokens_are_revoked(self, api: Api) -> None:
        other = login(api, "p1@producer.test").json()["token"]

        response = api.post(
            "producer",
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
        )

        assert response.status_code == 204
        assert api.get("producer", "/api/v1/auth/me").status_code == 200  # the asking token
        other_me = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {other}"})
        assert other_me.status_code == 401
        assert login(api, "p1@producer.test").status_code == 401
        assert login(api, "p1@producer.test", "a brand new passphrase").status_code == 200

    def test_a_wrong_current_password_is_refused_naming_the_field(self, api: Api) -> None:
        response = api.post(
            "partner",
            "/api/v1/auth/password",
            json={"current_password": "not it at all", "new_password": "a brand new passphrase"},
        )

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {"field": "current_password", "message": "this is not the current password"}
        ]
        assert login(api, "dk@partner.test").status_code == 200

    def test_the_new_password_follows_the_policy(self, api: Api) -> None:
        response = api.post(
            "auditor",
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "qwertyuiop123"},
        )

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {
                "field": "new_password",
                "message": "the password is on the list of common passwords",
                "code": "password_common",
            }
        ]

    def test_changing_needs_a_token(self, api: Api) -> None:
        response = api.client.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
        )

        assert response.status_code == 401


def add_demo_planner_and_admin(engine: Engine) -> None:
    """The demo planner and admin (their e-mails and printed passwords), in the Ministry."""
    with session_scope(engine) as session:
        for demo in DEMO_USERS:
            if demo.role.value in ("planner", "admin"):
                auth_service.add_user(
                    session=session,
                    email=demo.email,
                    password=demo.password,
                    role=demo.role,
                    organisation="Ministry",
                )


class TestServeWarnings:
    @pytest.mark.usefixtures("api")
    def test_demo_users_and_a_public_address_are_warned_about(self, engine: Engine) -> None:
        add_demo_planner_and_admin(engine)

        warnings = serve_warnings(engine=engine, host="0.0.0.0")

        assert [warning.split(" (")[0] for warning in warnings] == [
            "2 demo user(s) with published passwords can log in",
            "listening on 0.0.0.0, beyond this machine: serve behind an HTTPS proxy",
        ]

    @pytest.mark.usefixtures("api")
    def test_no_warning_on_loopback_without_demo_users(self, engine: Engine) -> None:
        assert serve_warnings(engine=engine, host="127.0.0.1") == []
        assert serve_warnings(engine=engine, host="::1") == []

    @pytest.mark.usefixtures("api")
    def test_deactivated_demo_users_are_not_warned_about(self, engine: Engine) -> None:
        add_demo_planner_and_admin(engine)
        with session_scope(engine) as session:
            session.execute(
                update(User).where(User.email.like("%@demo.kuznia")).values(active=False)
            )

        assert serve_warnings(engine=engine, host="localhost") == []
