"""The targets page through a test client, on tests/web/conftest.py's `execution` world
(contract C-1 delivers art-155 2026-10 100, 2026-11 300, 2026-12 300; C-3, a draft, 50 more
in 2026-12): a planner adds a target (the service's messages beside the fields), reads it
against the plan, removes it; an auditor reads; others may not; the overview counts them."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import Execution, Pages
from tests.web.test_pages import field_error

X2 = {"category": "artillery_ammunition", "period": "2026-12", "multiple": "2",
      "base_month": "2026-10", "note": "twice October"}  # fmt: skip


def test_a_planner_adds_a_target_and_reads_it_against_the_plan(
    pages: Pages, execution: Execution
) -> None:
    planner = pages.as_user("planner")

    added = planner.post("/targets", data=X2, follow_redirects=False)

    assert added.status_code == 303, added.text
    target_id = int(re.search(r"saved=(\d+)", added.headers["location"]).group(1))  # type: ignore[union-attr]
    page = planner.get("/targets?as_of=2026-11-05").text
    # base: October accepted nothing yet, so its plan, 100; December's target 200, planned 350
    assert "artillery ammunition: ×2 of Oct 2026 in Dec 2026" in page
    assert "Base output: 100 in Oct 2026 (approved plan)." in page
    assert (
        "Off track: execution is short of the plan: 0 accepted of 150 due by 2026-11-05 "
        "(short 150)." in page
    )
    assert f'href="/contracts/{execution.c1}">C-1</a>' in page
    assert f'id="target-{target_id}"' in page
    assert "Targets: 1; off track as of 2026-11-05: 1." in page
    assert "1 of 1 off track" in planner.get("/overview").text

    removed = planner.post(f"/targets/{target_id}/delete", follow_redirects=False)

    assert removed.status_code == 303
    assert "No targets yet." in planner.get("/targets").text


@pytest.mark.usefixtures("execution")
def test_the_services_messages_show_beside_the_fields(pages: Pages) -> None:
    planner = pages.as_user("planner")

    response = planner.post(
        "/targets", data={**X2, "category": "drones", "period": "2026-13", "multiple": "lots"}
    )

    assert response.status_code == 422
    assert field_error(response.text, "multiple") == "Enter a number, for example 1200 or 12.5."
    response = planner.post("/targets", data={**X2, "category": "", "base_month": "2027-01"})
    assert response.status_code == 422
    assert field_error(response.text, "category") == "This field is required."
    response = planner.post("/targets", data={**X2, "base_month": "2027-01"})
    assert field_error(response.text, "base_month") == (
        "The base month must come before the period's first month, 2026-12."
    )
    assert planner.get("/targets").text.count('class="target"') == 0


@pytest.mark.usefixtures("execution")
def test_an_auditor_reads_targets_without_the_form_and_others_may_not(pages: Pages) -> None:
    pages.as_user("planner").post("/targets", data=X2)

    auditor = pages.as_user("auditor").get("/targets")

    assert auditor.status_code == 200
    assert "twice October" in auditor.text
    assert 'action="/targets"' not in auditor.text.replace('action="/targets" class="filters"', "")
    for user in ("producer", "partner", "logistics"):
        assert pages.as_user(user).get("/targets").status_code == 403, user
        assert 'href="/targets"' not in pages.as_user(user).get("/overview").text, user


@pytest.mark.usefixtures("execution")
def test_the_page_is_in_ukrainian(pages: Pages) -> None:
    pages.as_user("planner").post("/targets", data=X2)

    page = pages.as_user("planner", language="uk").get("/targets?as_of=2026-11-05").text

    assert "<h1>Цілі</h1>" in page
    assert "Не за планом: виконання відстає від плану" in page
