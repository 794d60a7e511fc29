"""Hostile input through the pages (issue 12), on SQLite and PostgreSQL: every form that
changes something, posted with the session's CSRF token by a user who may post it, with a NUL,
an escape character, a lone surrogate (as the bytes a browser could send) or text far over its
field's length, is answered 4xx on a page that keeps the site's navigation, and nothing is
written (the audit chain counts every write). A post without the token is refused by
tests/web/test_security.py (403, nothing written, with or without Origin).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kuznia.db import session_scope
from kuznia.models import AuditEvent
from tests.web.conftest import Pages
from tests.web.test_execution_pages import DAY
from tests.web.test_security import page_posts

# Every field any page form reads, given the same hostile value: whichever the route reads
# first is refused, and the refusal names it.
FIELDS = (
    "client_key", "depot", "item", "grouping", "day", "quantity", "received", "accepted",
    "rejected", "lot", "note", "reason", "name", "kind", "mode", "version", "month",
    "current_password", "new_password", "confirm_password", "view_day", "back", "next",
    "time_limit", "contract",
)  # fmt: skip
# Who may post each form (the rest are the planner's).
POSTER = {
    "/ledger/dispatches": "logistics",
    "/ledger/foreign-supply": "logistics",
    "/ledger/receipts": "logistics",
    "/ledger/1/1/reverse": "logistics",
    "/contracts/1/production": "producer",
}
# Posted last: logging out ends the session the other probes use.
LAST = {"/logout", "/login"}


def audit_events(pages: Pages) -> int:
    with session_scope(pages.engine) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def keeps_navigation(html: str) -> bool:
    return 'class="main-nav"' in html and 'action="/logout"' in html


@pytest.mark.parametrize(
    "hostile",
    ["a\x00b", "a\x1bb", "a\x7fb"],
    ids=["nul", "escape", "delete"],
)
@pytest.mark.usefixtures("execution")
def test_a_control_character_in_any_form_is_refused_with_the_navigation_kept(
    pages: Pages, hostile: str
) -> None:
    clients = {user: pages.as_user(user) for user in ("planner", "logistics", "producer")}
    before = audit_events(pages)  # after the logins, which are writes of their own
    answers = {}
    for path in page_posts():
        if path in LAST:
            continue
        client = clients[POSTER.get(path, "planner")]
        response = client.post(path, data=dict.fromkeys(FIELDS, hostile), follow_redirects=False)
        answers[path] = (response.status_code, keeps_navigation(response.text))

    assert answers == {path: (422, True) for path in answers}
    assert audit_events(pages) == before


@pytest.mark.usefixtures("execution")
def test_a_lone_surrogate_s_bytes_in_a_form_are_read_as_a_replacement_character(
    pages: Pages,
) -> None:
    # A browser cannot encode "\ud800"; a hand-made request sends its would-be bytes
    # (ED A0 80), which the form parser reads as U+FFFD: a plain character, no surrogate
    # reaches the database, nothing fails. In a code (the depot) it is refused like any other
    # character outside the code set, on the form.
    client = pages.as_user("logistics")
    before = audit_events(pages)
    body = (
        f"client_key=k-1&depot=d-%ED%A0%80&item=art-155&grouping=g-east&day={DAY}"
        f"&quantity=1&note=%ED%A0%80&view_day={DAY}"
    )

    response = client.post(
        "/ledger/dispatches",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )

    assert response.status_code == 422, response.text
    assert "Please correct the fields marked below." in response.text
    assert keeps_navigation(response.text)
    assert audit_events(pages) == before


@pytest.mark.usefixtures("execution")
def test_a_note_over_its_length_is_refused_on_the_form_with_the_navigation_kept(
    pages: Pages,
) -> None:
    client = pages.as_user("logistics")
    before = audit_events(pages)

    response = client.post(
        "/ledger/dispatches",
        data={
            "client_key": "d-long", "depot": "d-north", "item": "art-155", "grouping": "g-east",
            "day": DAY, "quantity": "1", "note": "n" * 5000, "view_day": DAY,
        },
        follow_redirects=False,
    )  # fmt: skip

    assert response.status_code == 422
    assert "Please correct the fields marked below." in response.text
    assert keeps_navigation(response.text)
    assert audit_events(pages) == before


@pytest.mark.usefixtures("execution")
def test_a_form_over_the_body_limit_is_refused_before_it_is_read(pages: Pages) -> None:
    client = pages.as_user("logistics")
    before = audit_events(pages)

    response = client.post(
        "/ledger/dispatches",
        data={"client_key": "d-big", "note": "n" * (2 * 1024 * 1024)},
        follow_redirects=False,
    )

    assert response.status_code == 413
    assert "KUZNIA_MAX_BODY_BYTES" in response.text
    assert 'href="/overview"' in response.text  # a way back into the site
    assert audit_events(pages) == before
