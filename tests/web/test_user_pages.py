"""Users on the web: an administrator adds a user (the password policy applies), changes its
role and organisation, resets its password and deactivates it; auditors read the list; no
other role reaches it."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import PASSWORD
from tests.web.conftest import Pages
from tests.web.test_pages import field_error
from tests.web.test_security import audit_events

NEW_PASSWORD = "a long and uncommon passphrase"


def new_user(**changes: str) -> dict[str, str]:
    form = {
        "email": "new.planner@ministry.test",
        "role": "planner",
        "organisation": "Ministry",
        "password": NEW_PASSWORD,
        "repeated_password": NEW_PASSWORD,
    }
    return {**form, **changes}


def logs_in(pages: Pages, email: str, password: str) -> bool:
    response = pages.anonymous().post(
        "/login", data={"email": email, "password": password}, follow_redirects=False
    )
    return response.status_code == 303


def user_id(pages: Pages, email: str) -> int:
    html = pages.as_user("admin").get("/users").text
    found = re.search(rf'<a href="/users/(\d+)/edit"[^>]*>{re.escape(email)}</a>', html)
    assert found, f"no link to {email}"
    return int(found.group(1))


class TestAdd:
    def test_an_admin_adds_a_user_who_then_logs_in(self, pages: Pages) -> None:
        admin = pages.as_user("admin")
        assert 'action="/users"' in admin.get("/users").text

        response = admin.post("/users", data=new_user(), follow_redirects=True)

        assert response.status_code == 200, response.text
        assert "new.planner@ministry.test" in response.text
        assert 'class="saved"' in response.text
        assert logs_in(pages, "new.planner@ministry.test", NEW_PASSWORD)

    def test_a_short_password_is_refused_beside_the_field(self, pages: Pages) -> None:
        admin = pages.as_user("admin")
        before = audit_events(pages)
        response = admin.post("/users", data=new_user(password="short", repeated_password="short"))

        assert response.status_code == 422
        assert field_error(response.text, "password") == (
            "The password needs at least 12 characters."
        )
        assert 'value="new.planner@ministry.test"' in response.text  # what was typed stays
        assert audit_events(pages) == before

    def test_a_role_that_does_not_fit_the_organisation_is_marked(self, pages: Pages) -> None:
        response = pages.as_user("admin").post("/users", data=new_user(organisation="Depot North"))

        assert response.status_code == 422
        assert "does not fit" in field_error(response.text, "role") or "cannot belong" in (
            field_error(response.text, "role")
        )

    def test_passwords_that_differ_are_marked(self, pages: Pages) -> None:
        response = pages.as_user("admin").post("/users", data=new_user(repeated_password="x"))
        assert response.status_code == 422
        assert field_error(response.text, "repeated_password") == "The two passwords differ."

    def test_an_email_in_use_is_refused_above_the_form(self, pages: Pages) -> None:
        response = pages.as_user("admin").post(
            "/users", data=new_user(email="planner@ministry.test")
        )
        assert response.status_code == 409
        assert "exists" in response.text


class TestChange:
    def test_an_admin_resets_a_password_and_the_old_one_stops_working(self, pages: Pages) -> None:
        target = user_id(pages, "auditor@audit.test")
        admin = pages.as_user("admin")
        assert admin.get(f"/users/{target}/edit").status_code == 200

        response = admin.post(
            f"/users/{target}",
            data={
                "version": "1",
                "role": "auditor",
                "organisation": "Audit office",
                "active": "on",
                "password": NEW_PASSWORD,
                "repeated_password": NEW_PASSWORD,
            },
            follow_redirects=False,
        )

        assert response.status_code == 303, response.text
        assert not logs_in(pages, "auditor@audit.test", PASSWORD)
        assert logs_in(pages, "auditor@audit.test", NEW_PASSWORD)

    def test_an_admin_deactivates_a_user_who_cannot_log_in_any_more(self, pages: Pages) -> None:
        target = user_id(pages, "dk@partner.test")

        response = pages.as_user("admin").post(
            f"/users/{target}",
            data={"version": "1", "role": "partner", "organisation": "Partner DK"},
            follow_redirects=False,
        )

        assert response.status_code == 303, response.text
        assert not logs_in(pages, "dk@partner.test", PASSWORD)

    def test_an_admin_moves_a_user_to_another_organisation(self, pages: Pages) -> None:
        target = user_id(pages, "p1@producer.test")
        session = pages.as_user("producer")
        assert session.get("/overview").status_code == 200

        response = pages.as_user("admin").post(
            f"/users/{target}",
            data={
                "version": "1",
                "role": "producer",
                "organisation": "Producer Two",
                "active": "on",
            },
            follow_redirects=True,
        )

        assert response.status_code == 200, response.text
        row = response.text.split(">p1@producer.test</a></td>", 1)[1]
        assert row.split("</tr>", 1)[0].count("Producer Two") == 1
        # moved: its sessions end, as its scope changed
        assert session.get("/overview", follow_redirects=False).status_code == 303

    def test_a_stale_version_is_refused(self, pages: Pages) -> None:
        target = user_id(pages, "dk@partner.test")
        response = pages.as_user("admin").post(
            f"/users/{target}",
            data={"version": "7", "role": "partner", "organisation": "Partner DK", "active": "on"},
        )
        assert response.status_code == 409
        assert "Someone else changed this record" in response.text


class TestWhoMay:
    def test_an_auditor_reads_the_list_without_forms(self, pages: Pages) -> None:
        html = pages.as_user("auditor").get("/users").text
        assert "admin@ministry.test" in html
        assert 'action="/users"' not in html
        assert pages.as_user("auditor").get("/users/1/edit").status_code == 403

    @pytest.mark.parametrize("role", ["planner", "producer", "partner", "logistics"])
    def test_other_roles_are_refused(self, pages: Pages, role: str) -> None:
        client = pages.as_user(role)
        before = audit_events(pages)
        assert client.get("/users").status_code == 403
        assert client.post("/users", data=new_user()).status_code == 403
        assert audit_events(pages) == before
