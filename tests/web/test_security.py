"""The pages under attack (issue 12, item 8), on SQLite and PostgreSQL: a state-changing
request without the session's CSRF token is refused (403) and changes nothing, whatever its
Origin; every answer carries the security headers; the login form is throttled like the API's
login; and every user changes their own password on a page.

CSP in a real browser (no violation on the main pages, Plotly's charts drawn) is checked in
tests/web/test_browser.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.routing import BaseRoute

import kuznia.web
from kuznia.db import session_scope
from kuznia.models import ApiToken, AuditEvent
from kuznia.web import web_router
from kuznia.web.csrf import CSRF_COOKIE, CSRF_HEADER, for_session
from kuznia.web.session import SESSION_COOKIE
from tests.api.conftest import PASSWORD, USERS
from tests.web.conftest import Pages


def audit_events(pages: Pages) -> int:
    """How many writes were ever made (every write is an audit event)."""
    with session_scope(pages.engine) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def routes(found: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every route, also those of included routers (without prefixes: the pages have none)."""
    for route in found:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from routes(route.original_router.routes)


def page_posts() -> list[str]:
    """Every page path that takes a POST, its parameters set to 1."""
    return sorted(
        re.sub(r"\{[^}]+\}", "1", route.path)
        for route in routes(web_router().routes)
        if "POST" in route.methods
    )


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    assert found, f"no message next to {field}"
    return found.group(1)


class TestCsrf:
    @pytest.mark.usefixtures("pages")
    def test_the_pages_take_these_posts(self) -> None:
        assert page_posts() == [
            "/account/password",
            "/analyses/1/cancel",
            "/contracts/1/1",  # /contracts/{id}/{sign, complete, terminate}
            "/contracts/1/delivery-points",
            "/contracts/1/production",
            "/contracts/guarantees/1/sign",
            "/economy/curve",
            "/exports/offers/1/share",
            "/funds/1",
            "/industry/expansions/1",
            "/industry/expansions/1/delete",
            "/industry/lines/1",
            "/industry/lines/1/delete",
            "/industry/producers/1/expansions",
            "/industry/producers/1/lines",
            "/industry/stock/1",
            "/ledger/1/1/reverse",
            "/ledger/dispatches",
            "/ledger/foreign-supply",
            "/ledger/receipts",
            "/login",
            "/logout",
            "/needs",
            "/needs/1",
            "/plans",
            "/plans/1/approve",
            "/plans/1/cancel",
            "/plans/1/shortfalls/1/close",
            "/plans/replan",
            "/registry/import",
            "/targets",
            "/targets/1/delete",
            "/users",
            "/users/1",
            "/workbench/critical",
            "/workbench/scenarios",
            "/workbench/scenarios/1/delete",
            "/workbench/scenarios/1/run",
            "/workbench/sweeps",
        ]

    @pytest.mark.parametrize("origin", [None, "null"])
    def test_every_post_without_the_token_is_refused_and_changes_nothing(
        self, pages: Pages, origin: str | None
    ) -> None:
        session = pages.as_user("planner").cookies[SESSION_COOKIE]
        attacker = TestClient(pages.app, cookies={SESSION_COOKIE: session})
        headers = {"Origin": origin} if origin else {}
        before = audit_events(pages)

        answers = {
            path: attacker.post(
                path, data={"mode": "lp", "version": "1"}, headers=headers, follow_redirects=False
            ).status_code
            for path in page_posts()
        }

        assert set(answers.values()) == {403}, answers
        assert audit_events(pages) == before
        assert pages.as_user("planner").get("/overview").status_code == 200  # still logged in

    def test_a_token_of_another_session_is_refused(self, pages: Pages) -> None:
        planner = pages.as_user("planner")
        producer_token = pages.as_user("producer").headers[CSRF_HEADER]
        before = audit_events(pages)

        response = planner.post(
            "/plans", data={"mode": "lp"}, headers={CSRF_HEADER: producer_token}
        )

        assert response.status_code == 403
        assert "security token (CSRF)" in response.text
        assert audit_events(pages) == before

    def test_the_token_in_the_form_field_is_accepted(self, pages: Pages) -> None:
        session = pages.as_user("planner").cookies[SESSION_COOKIE]
        browser = TestClient(pages.app, cookies={SESSION_COOKIE: session})

        response = browser.post(
            "/plans",
            data={"mode": "lp", "csrf_token": for_session(session)},
            follow_redirects=False,
        )

        assert response.status_code == 303
        assert re.fullmatch(r"/plans/\d+", response.headers["location"])

    def test_a_login_without_the_form_s_token_is_refused(self, pages: Pages) -> None:
        client = TestClient(pages.app)
        before = audit_events(pages)

        response = client.post(
            "/login",
            data={"email": USERS["planner"][0], "password": PASSWORD},
            headers={"Origin": "null"},
            follow_redirects=False,
        )

        assert response.status_code == 403
        assert SESSION_COOKIE not in client.cookies
        assert audit_events(pages) == before  # no token was made

    def test_the_login_form_carries_the_token_of_its_cookie(self, pages: Pages) -> None:
        response = TestClient(pages.app).get("/login")

        cookie = response.headers["set-cookie"]
        value = response.cookies[CSRF_COOKIE]
        assert cookie.startswith(f"{CSRF_COOKIE}={value};")
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert f'<input type="hidden" name="csrf_token" value="{value}">' in response.text

    def test_a_page_carries_the_session_s_token_for_forms_and_htmx(self, pages: Pages) -> None:
        client = pages.as_user("planner")
        token = for_session(client.cookies[SESSION_COOKIE])

        html = client.get("/plans").text

        assert f'<body hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'>' in html
        assert f'<input type="hidden" name="csrf_token" value="{token}">' in html


class TestHeaders:
    EVERY_ANSWER: ClassVar[dict[str, str]] = {
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
    }

    @pytest.mark.parametrize("path", ["/overview", "/funds", "/nowhere", "/api/v1/lines"])
    def test_pages_and_api_answers_carry_the_headers_and_are_not_stored(
        self, pages: Pages, path: str
    ) -> None:
        token = pages.as_user("planner").cookies[SESSION_COOKIE]
        client = pages.as_user("planner")

        response = client.get(path, headers={"Authorization": f"Bearer {token}"})

        assert {name: response.headers[name] for name in self.EVERY_ANSWER} == self.EVERY_ANSWER
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["cache-control"] == "no-store"

    def test_the_login_page_and_an_api_error_carry_them_too(self, pages: Pages) -> None:
        client = TestClient(pages.app)

        for response in (client.get("/login"), client.get("/api/v1/lines")):
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["cache-control"] == "no-store"
            assert (
                "unsafe-inline"
                not in response.headers["content-security-policy"].split("style-src")[0]
            )

    def test_static_files_may_be_cached(self, pages: Pages) -> None:
        response = TestClient(pages.app).get("/static/kuznia.css")

        assert response.headers["x-content-type-options"] == "nosniff"
        assert "cache-control" not in response.headers

    def test_no_template_has_an_inline_script_or_handler(self) -> None:
        from pathlib import Path

        import kuznia.web

        templates = Path(kuznia.web.__file__).parent / "templates"
        for template in sorted(templates.glob("*.html")):
            text = template.read_text()
            scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text)
            assert scripts == [], template.name
            assert re.findall(r"\son[a-z]+\s*=", text) == [], template.name


class TestLoginThrottle:
    def test_the_login_form_is_throttled_with_retry_after(self, pages: Pages) -> None:
        client = pages.anonymous()
        wrong = {"email": USERS["logistics"][0], "password": "not the password"}

        answers = [client.post("/login", data=wrong).status_code for _ in range(7)]
        right = client.post("/login", data={**wrong, "password": PASSWORD})

        assert answers == [400] * 6 + [429]
        assert right.status_code == 429
        assert "Too many attempts" in right.text
        assert 1 <= int(right.headers["Retry-After"]) <= 15


class TestPasswordPage:
    def test_the_header_links_to_the_password_page(self, pages: Pages) -> None:
        html = pages.as_user("auditor").get("/overview").text

        assert '<a href="/account/password" class="password-link">Change password</a>' in html

    def test_a_user_changes_the_password_and_other_sessions_end(self, pages: Pages) -> None:
        other = pages.anonymous()
        other.post("/login", data={"email": USERS["partner"][0], "password": PASSWORD})
        client = pages.as_user("partner")

        response = client.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "new_password": "a new and long passphrase",
                "repeated_password": "a new and long passphrase",
            },
        )

        assert response.status_code == 200
        assert "The password is changed; your other sessions are logged out." in response.text
        assert client.get("/overview", follow_redirects=False).status_code == 200
        assert other.get("/overview", follow_redirects=False).status_code == 303
        with session_scope(pages.engine) as session:
            live = session.scalar(
                select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))
            )
        assert live == len(pages.clients)  # one per logged-in test client, the partner's kept

    def test_a_weak_password_is_said_next_to_its_field(self, pages: Pages) -> None:
        response = pages.as_user("producer").post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "new_password": "1234567890",
                "repeated_password": "1234567890",
            },
        )

        assert response.status_code == 400
        assert field_error(response.text, "new_password") == (
            "The password needs at least 12 characters."
        )

    def test_a_wrong_current_password_and_differing_new_ones_are_said(self, pages: Pages) -> None:
        response = pages.as_user("producer").post(
            "/account/password",
            data={
                "current_password": "",
                "new_password": "a new and long passphrase",
                "repeated_password": "another long passphrase",
            },
        )

        assert response.status_code == 400
        assert field_error(response.text, "current_password") == "Enter your current password."
        assert field_error(response.text, "repeated_password") == "The two new passwords differ."


def test_every_post_form_in_the_templates_carries_the_token() -> None:
    templates = Path(kuznia.web.__file__).parent / "templates"
    missing = [
        f"{path.name}: {line.strip()[:60]}"
        for path in sorted(templates.glob("*.html"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r'<form[^>]*method="post"', line) and "csrf_field" not in line
    ]

    assert missing == []
