"""The workbench's pages through a test client on VARIED: a planner builds a scenario (its
messages beside the fields), stores it and runs it against a finished plan, starts a sweep
and a ranking of critical producers, each answered by a worker run here
(`kuznia.worker.work_all`) and read on its analysis page with its charts; the plans page
offers the robust option and the re-plan; auditors read, other roles may not."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import Engine, update

from kuznia import models
from kuznia.db import session_scope
from kuznia.worker import work_all
from tests.web.conftest import Pages
from tests.web.test_security import field_error

STRIKE = {
    "name": "p1 stops",
    "description": "p1 dark for the first three months",
    "strike_producer": "p1",
    "strike_first": "0",
    "strike_last": "2",
    "strike_share": "100",
}


@pytest.fixture
def run_id(pages: Pages, engine: Engine) -> int:
    run = pages.start_plan()
    work_all(engine=engine)
    return run


def job_id(response_text: str) -> int:
    found = re.search(r'id="job-(\d+)"', response_text)
    assert found, response_text[:500]
    return int(found.group(1))


def test_a_planner_builds_stores_and_runs_a_scenario(
    pages: Pages, engine: Engine, run_id: int
) -> None:
    planner = pages.as_user("planner")
    page = planner.get("/workbench")
    assert page.status_code == 200
    assert 'href="/workbench"' in page.text
    assert "p1" in page.text
    stored = planner.post("/workbench/scenarios", data=STRIKE, follow_redirects=False)
    assert stored.status_code == 303, stored.text
    listed = planner.get(stored.headers["location"]).text
    assert "p1 stops" in listed
    assert "Strike: p1 loses 100% of capacity, months 1–3" in listed
    scenario_id = int(re.search(r'id="scenario-(\d+)"', listed).group(1))  # type: ignore[union-attr]

    queued = planner.post(
        f"/workbench/scenarios/{scenario_id}/run",
        data={"plan_run_id": str(run_id)},
        headers={"HX-Request": "true"},
    )
    assert queued.status_code == 202, queued.text
    assert "hx-trigger" in queued.text  # polled while queued
    job = job_id(queued.text)
    work_all(engine=engine)
    answer = planner.get(f"/analyses/{job}")
    assert answer.status_code == 200
    assert "Scenario “p1 stops” against plan" in answer.text
    assert f'id="scenario-tiers-{job}"' in answer.text
    assert f'id="scenario-coverage-{job}"' in answer.text
    assert "Deliveries per producer" in answer.text
    # without HTMX the form goes to the analysis page
    plain = planner.post(
        f"/workbench/scenarios/{scenario_id}/run",
        data={"plan_run_id": str(run_id)},
        follow_redirects=False,
    )
    assert plain.status_code == 303
    assert plain.headers["location"].startswith("/analyses/")


@pytest.mark.usefixtures("run_id")
def test_the_builder_says_what_is_wrong_beside_the_field(pages: Pages) -> None:
    planner = pages.as_user("planner")
    bad = planner.post(
        "/workbench/scenarios",
        data={**STRIKE, "strike_share": "150", "strike_first": "3", "strike_last": "1"},
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "strike_share") == (
        "Enter a share in per cent above 0 and at most 100."
    )
    assert field_error(bad.text, "strike_last") == "The last month cannot come before the first."
    nothing = planner.post("/workbench/scenarios", data={"name": "empty"})
    assert nothing.status_code == 422
    assert "Choose at least one change" in nothing.text
    assert (
        planner.post("/workbench/scenarios", data=STRIKE, follow_redirects=False).status_code == 303
    )
    again = planner.post("/workbench/scenarios", data=STRIKE)
    assert again.status_code == 422
    assert unescape(field_error(again.text, "name")) == (
        f'The name "{STRIKE["name"]}" is taken: choose another.'
    )


def test_a_sweep_and_a_ranking_are_started_and_read_with_their_charts(
    pages: Pages, engine: Engine, run_id: int
) -> None:
    planner = pages.as_user("planner")
    assert "Start the sweep" in planner.get("/workbench/sweeps").text
    queued = planner.post(
        "/workbench/sweeps",
        data={"plan_run_id": str(run_id), "scenarios": "4", "seed": "3"},
        headers={"HX-Request": "true"},
    )
    assert queued.status_code == 202, queued.text
    sweep = job_id(queued.text)
    ranked = planner.post(
        "/workbench/critical",
        data={"plan_run_id": str(run_id), "top": "2"},
        headers={"HX-Request": "true"},
    )
    assert ranked.status_code == 202, ranked.text
    critical = job_id(ranked.text)
    work_all(engine=engine)
    answer = planner.get(f"/analyses/{sweep}/fragment").text
    assert "4 scenarios of seed 3 against plan" in answer
    for chart in ("sweep-tiers", "sweep-fan"):
        assert f'id="{chart}-{sweep}"' in answer
    assert "How often each producer is critical" in answer
    answer = planner.get(f"/analyses/{critical}").text
    for chart in ("critical-producers", "critical-regions", "critical-herfindahl"):
        assert f'id="{chart}-{critical}"' in answer
    assert "Herfindahl index per item" in answer
    assert f'href="/analyses/{sweep}"' in planner.get("/workbench/sweeps").text


@pytest.mark.usefixtures("run_id")
def test_a_sweep_out_of_range_is_refused(pages: Pages) -> None:
    planner = pages.as_user("planner")
    response = planner.post(
        "/workbench/sweeps",
        data={"plan_run_id": "1", "scenarios": "0"},
        headers={"HX-Request": "1"},
    )
    assert response.status_code in (409, 422)
    response = planner.post("/workbench/sweeps", data={"scenarios": "abc"})
    assert response.status_code == 422
    assert "Enter a whole number" in response.text


def test_the_plans_page_offers_the_robust_option_and_marks_robust_runs(
    pages: Pages, engine: Engine
) -> None:
    planner = pages.as_user("planner")
    page = planner.get("/plans").text
    assert 'name="robust"' in page
    assert 'action="/plans/replan"' in page
    bad = planner.post("/plans", data={"mode": "lp", "robust": "1", "robust_scenarios": "x"})
    assert bad.status_code == 422
    assert field_error(bad.text, "robust_scenarios") == "Enter a whole number, for example 3."
    milp = planner.post("/plans", data={"mode": "milp", "robust": "1", "robust_scenarios": "3"})
    assert milp.status_code == 422
    run = pages.start_plan(
        robust="1", robust_scenarios="3", robust_seed="1", check_scenarios="3", check_seed="5"
    )
    work_all(engine=engine)
    listed = planner.get("/plans").text
    assert f'href="/plans/{run}"' in listed
    assert '<span class="badge robust">robust</span>' in listed
    plan = planner.get(f"/plans/{run}").text
    assert "checked against the ordinary plan on 3 fresh scenarios of seed 5" in plan
    assert "Tier 1: weighted unit-months short" in plan


def test_a_replan_from_the_plans_page_is_a_run_marked_as_a_replan(
    pages: Pages, engine: Engine
) -> None:
    planner = pages.as_user("planner")
    response = planner.post("/plans/replan", data={"start": "2026-12"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    run = int(response.headers["location"].rsplit("/", 1)[1])
    work_all(engine=engine)
    listed = planner.get("/plans").text
    row = listed[listed.index(f'href="/plans/{run}"') :].split("</tr>")[0]
    assert '<span class="badge replan">re-plan</span>' in row
    refused = planner.post("/plans/replan", data={"start": "never"})
    assert refused.status_code == 422
    assert "first month among the registry" in refused.text


@pytest.mark.usefixtures("run_id")
def test_auditors_read_the_workbench_and_other_roles_may_not(pages: Pages) -> None:
    pages.as_user("planner").post("/workbench/scenarios", data=STRIKE)
    auditor = pages.as_user("auditor")
    page = auditor.get("/workbench")
    assert page.status_code == 200
    assert "p1 stops" in page.text
    assert 'action="/workbench/scenarios"' not in page.text
    assert auditor.post("/workbench/scenarios", data={**STRIKE, "name": "x"}).status_code == 403
    for user in ("producer", "partner", "logistics", "admin"):
        client = pages.as_user(user)
        for path in ("/workbench", "/workbench/sweeps", "/workbench/critical"):
            assert client.get(path).status_code == 403, (user, path)
        assert 'href="/workbench"' not in client.get("/overview").text, user


@pytest.mark.usefixtures("run_id")
class TestForeignShortfallBySupplierCountry:
    """The builder offers the registry's supplier countries (decision 0016): VARIED expects
    5,000 art-155 in month 1 (2026-12) and 12.5 fpv in month 2 (2027-01), here both from PL."""

    @pytest.fixture(autouse=True)
    def from_poland(self, pages: Pages) -> None:
        with session_scope(pages.engine) as session:
            session.execute(update(models.ForeignSupply).values(supplier_country="PL"))

    def test_a_country_is_stored_as_its_cuts_and_shown_as_the_country(self, pages: Pages) -> None:
        planner = pages.as_user("planner")
        page = planner.get("/workbench").text
        assert '<option value="PL">Poland (PL)</option>' in page
        form = {"name": "PL half", "foreign_country": "PL", "foreign_share": "50"}

        stored = planner.post(
            "/workbench/scenarios", data={**form, "foreign_last": "1"}, follow_redirects=False
        )

        assert stored.status_code == 303, stored.text
        assert (
            "Foreign shortfall from supplier country Poland (PL): art-155, up to 50% of an "
            "item&#39;s foreign supply, month 2"
        ) in planner.get("/workbench").text
        ukrainian = pages.as_user("planner", language="uk").get("/workbench").text
        assert (
            "Недопостачання з-за кордону, країна-постачальник Польща (PL): art-155, до 50% іноземного "
            "постачання виробу, місяць 2"
        ) in ukrainian.replace("\xa0", " ")

    def test_a_country_without_supply_in_the_months_is_said_beside_it(self, pages: Pages) -> None:
        planner = pages.as_user("planner")
        form = {"name": "PL early", "foreign_country": "PL", "foreign_last": "0"}

        early = planner.post("/workbench/scenarios", data=form)
        both = planner.post(
            "/workbench/scenarios", data={**form, "name": "both", "foreign_item": "fpv"}
        )

        assert early.status_code == 422
        assert field_error(early.text, "foreign_country") == (
            "This supplier country is expected to deliver nothing in the months chosen."
        )
        assert both.status_code == 422
        assert field_error(both.text, "foreign_country") == (
            "Choose a supplier country, or an item or a category, not both."
        )
        unknown = planner.post("/workbench/scenarios", data={**form, "foreign_country": "FR"})
        assert unknown.status_code == 422
        assert field_error(unknown.text, "foreign_country") == (
            "Choose a supplier country the registry names."
        )
