"""The pages through a test client: logging in and out, what each role's menu offers, who
reaches which page, editing needs and funds through the registry service, plans from start
to results, and error pages (HTML for pages, JSON still for the API)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from kuznia.web.session import SESSION_COOKIE
from kuznia.worker import work_all
from tests.api.conftest import PASSWORD, USERS
from tests.web.conftest import Pages, solve_queued


def menu(html: str) -> list[str]:
    """The labels of the main menu of a page."""
    nav = html.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="[^"]+"[^>]*>([^<]+)</a>', nav)


def field_error(html: str, field: str) -> str:
    """The message shown next to a form field."""
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    assert found, f"no message next to {field}"
    return unescape(found.group(1))


class TestLogin:
    def test_a_page_without_a_session_sends_to_the_login_form_and_back(self, pages: Pages) -> None:
        client = pages.anonymous()

        response = client.get("/needs?item=fpv", follow_redirects=False)

        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Fneeds%3Fitem%3Dfpv"

    def test_the_login_form_labels_its_fields(self, pages: Pages) -> None:
        html = pages.anonymous().get("/login").text

        assert '<label for="f-email">Email</label>' in html
        assert '<label for="f-password">Password</label>' in html

    def test_logging_in_sets_an_http_only_lax_session_cookie(self, pages: Pages) -> None:
        client = pages.anonymous()

        response = client.post(
            "/login",
            data={"email": "planner@ministry.test", "password": PASSWORD, "next": "/plans"},
            follow_redirects=False,
        )

        assert response.status_code == 303
        assert response.headers["location"] == "/plans"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}=kz_")
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie

    def test_a_wrong_password_is_said_next_to_the_field(self, pages: Pages) -> None:
        response = pages.anonymous().post(
            "/login", data={"email": "planner@ministry.test", "password": "nope"}
        )

        assert response.status_code == 400
        assert field_error(response.text, "password") == (
            "Wrong email or password, or the account is not active."
        )
        assert 'value="planner@ministry.test"' in response.text

    def test_an_empty_form_names_both_fields(self, pages: Pages) -> None:
        response = pages.anonymous().post("/login", data={})

        assert field_error(response.text, "email") == "Enter your email."
        assert field_error(response.text, "password") == "Enter your password."

    def test_login_never_sends_people_to_another_site(self, pages: Pages) -> None:
        response = pages.anonymous().post(
            "/login",
            data={"email": USERS["planner"][0], "password": PASSWORD, "next": "//evil.example"},
            follow_redirects=False,
        )

        assert response.headers["location"] == "/overview"

    def test_logging_out_revokes_the_token(self, pages: Pages) -> None:
        client = pages.as_user("planner")
        token = client.cookies[SESSION_COOKIE]

        client.post("/logout", follow_redirects=False)
        client.cookies.set(SESSION_COOKIE, token)
        response = client.get("/overview", follow_redirects=False)

        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")

    def test_a_post_from_another_site_is_refused(self, pages: Pages) -> None:
        client = pages.as_user("planner")

        response = client.post(
            "/plans", data={"mode": "lp"}, headers={"Origin": "https://evil.example"}
        )

        assert response.status_code == 403


PLANNER_MENU = ["Overview", "Industry", "Needs", "Funds", "Plans", "Targets", "Exports",
                "Economy", "Analyses", "Workbench", "Contracts", "Ledger"]  # fmt: skip


class TestMenu:
    @pytest.mark.parametrize(
        ("user", "sections"),
        [
            ("planner", PLANNER_MENU),
            ("auditor", [*PLANNER_MENU, "Audit", "Users"]),
            ("producer", ["Overview", "Industry", "Exports", "Contracts"]),
            ("partner", ["Overview", "Funds", "Plans", "Economy", "Contracts"]),
            ("logistics", ["Overview", "Ledger"]),
            ("admin", ["Overview", "Audit", "Users"]),
        ],
    )
    def test_a_role_sees_the_sections_it_may_read(
        self, pages: Pages, user: str, sections: list[str]
    ) -> None:
        assert menu(pages.as_user(user).get("/overview").text) == sections

    @pytest.mark.parametrize(
        ("user", "path"),
        [
            ("producer", "/needs"),
            ("producer", "/plans"),
            ("partner", "/industry"),
            ("logistics", "/funds"),
            ("admin", "/plans"),
            ("planner", "/users"),
            ("logistics", "/contracts"),
            ("producer", "/ledger"),
            ("partner", "/ledger"),
            ("planner", "/audit"),
            ("producer", "/audit"),
        ],
    )
    def test_a_section_not_in_the_menu_answers_403(
        self, pages: Pages, user: str, path: str
    ) -> None:
        response = pages.as_user(user).get(path)

        assert response.status_code == 403
        assert "<h1>Not allowed</h1>" in response.text


class TestNeedToKnow:
    def test_a_producer_sees_only_its_own_producer(self, pages: Pages) -> None:
        html = pages.as_user("producer").get("/industry").text

        assert "Producers: 1" in html
        assert ">Zavod</a>" in html
        assert ">JV</a>" not in html

    def test_another_producers_page_does_not_exist_for_a_producer(self, pages: Pages) -> None:
        own_id, other_id = (pages.record_id("/producers", code=code) for code in ("p1", "p2"))
        client = pages.as_user("producer")

        own = client.get(f"/industry/producers/{own_id}")
        other = client.get(f"/industry/producers/{other_id}")

        assert own.status_code == 200
        assert other.status_code == 404
        assert "<h1>Not found</h1>" in other.text

    def test_a_partner_sees_only_its_own_funds(self, pages: Pages) -> None:
        html = pages.as_user("partner").get("/funds").text

        assert "Funds: 1" in html
        assert '<span class="code">dk</span>' in html


class TestErrors:
    def test_an_unknown_page_is_an_html_404(self, pages: Pages) -> None:
        response = pages.as_user("planner").get("/no-such-page")

        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")

    def test_an_error_page_keeps_the_menu_and_says_what_went_wrong(self, pages: Pages) -> None:
        missing = pages.as_user("planner").get("/plans/999999")
        refused = pages.as_user("producer", language="uk").get("/audit")
        unreadable = pages.as_user("planner").get("/plans/compare?a=x&b=2")

        assert missing.status_code == 404
        assert '<nav aria-label="Main" class="main-nav">' in missing.text
        assert '<p class="detail">plan run 999999 not found</p>' in missing.text
        assert refused.status_code == 403
        assert '<a href="/contracts">Контракти</a>' in refused.text
        assert (
            '<p class="detail">Роль «виробник» не може переглядати: журнал аудиту.</p>'
            in refused.text
        )
        assert unreadable.status_code == 422
        assert '<nav aria-label="Main" class="main-nav">' in unreadable.text
        assert (
            '<p class="detail">a (&#34;x&#34;): Input should be a valid integer, unable to parse '
            "string as an integer</p>"
        ) in unreadable.text

    def test_the_api_still_answers_json(self, pages: Pages) -> None:
        response = pages.anonymous().get("/api/v1/lines")

        assert response.status_code == 401
        assert response.json()["error"] == "NotAuthenticated"


def first_need(pages: Pages) -> int:
    """VARIED's need of 900 rounds for g-east in month 0 (version 1)."""
    return pages.record_id("/needs", item="art-155", grouping="g-east", month="0")


class TestNeeds:
    def test_the_table_filters_by_item(self, pages: Pages) -> None:
        html = pages.as_user("planner").get("/needs?item=art-155").text

        assert "Needs: 2" in html

    def test_a_quantity_carries_its_item_s_unit_in_the_language(self, pages: Pages) -> None:
        english = pages.as_user("planner").get("/needs?item=fpv").text
        ukrainian = pages.as_user("auditor", language="uk").get("/needs?item=fpv").text

        assert re.search(r'<td class="num nowrap">[\d,]+\u00a0pcs</td>', english)
        assert re.search(r'<td class="num nowrap">[\d\u00a0]+\u00a0шт\.</td>', ukrainian)

    def test_a_bad_quantity_is_said_next_to_the_field(self, pages: Pages) -> None:
        client = pages.as_user("planner")

        response = client.post(
            f"/needs/{first_need(pages)}",
            data={"version": "1", "item": "art-155", "grouping": "g-east", "month": "0",
                  "quantity": "lots", "operation": "defensive", "priority": "1"},
        )  # fmt: skip

        assert response.status_code == 422
        assert field_error(response.text, "quantity") == "Enter a number, for example 1200 or 12.5."

    def test_the_format_s_rules_are_said_next_to_their_field(self, pages: Pages) -> None:
        client = pages.as_user("planner")

        response = client.post(
            f"/needs/{first_need(pages)}",
            data={"version": "1", "item": "art-155", "grouping": "g-east", "month": "7",
                  "quantity": "900", "operation": "defensive", "priority": "1"},
        )  # fmt: skip

        assert response.status_code == 422
        assert field_error(response.text, "month") == (
            "Month 7 is outside the plan's horizon: choose a month from 0 to 2."
        )

    def test_a_change_is_saved_through_the_registry_with_its_version(self, pages: Pages) -> None:
        client = pages.as_user("planner")
        need_id = first_need(pages)

        response = client.post(
            f"/needs/{need_id}",
            data={"version": "1", "item": "art-155", "grouping": "g-east", "month": "0",
                  "quantity": "1 250,5", "operation": "defensive", "priority": "1",
                  "back": "/needs?item=art-155"},
            follow_redirects=False,
        )  # fmt: skip
        need = (
            pages.anonymous()
            .get(
                f"/api/v1/needs/{need_id}",
                headers={"Authorization": f"Bearer {client.cookies[SESSION_COOKIE]}"},
            )
            .json()
        )

        assert response.headers["location"] == f"/needs?item=art-155&saved={need_id}"
        assert (need["quantity"], need["version"]) == (1250.5, 2)

    def test_a_stale_version_changes_nothing_and_says_so(self, pages: Pages) -> None:
        client = pages.as_user("planner")
        form = {"item": "art-155", "grouping": "g-east", "month": "0", "quantity": "1000",
                "operation": "defensive", "priority": "1"}  # fmt: skip
        path = f"/needs/{first_need(pages)}"
        client.post(path, data={**form, "version": "1"})

        response = client.post(path, data={**form, "quantity": "5", "version": "1"})

        assert response.status_code == 409
        assert "Someone else changed this record" in response.text

    def test_an_auditor_reads_needs_but_may_not_change_them(self, pages: Pages) -> None:
        client = pages.as_user("auditor")

        assert ">Edit<" not in client.get("/needs").text
        assert client.get(f"/needs/{first_need(pages)}/edit").status_code == 403


class TestFunds:
    def test_a_budget_year_is_changed_and_one_added(self, pages: Pages) -> None:
        client = pages.as_user("planner")

        response = client.post(
            f"/funds/{pages.record_id('/funds', code='dk')}",
            data={"version": "1", "name": "Partner DK", "kind": "partner",
                  "budget.2026": "310000000", "budget_new_year": "2027",
                  "budget_new_amount": "1e8", "eligible.ownership": ["joint_venture"],
                  "eligible.producers": "p2"},
            follow_redirects=False,
        )  # fmt: skip

        assert response.status_code == 303
        html = client.get("/funds").text
        assert "2026: 310.0 M USD" in html
        assert "2027: 100.0 M USD" in html

    def test_an_unknown_producer_is_said_next_to_the_field(self, pages: Pages) -> None:
        response = pages.as_user("planner").post(
            f"/funds/{pages.record_id('/funds', code='dk')}",
            data={"version": "1", "name": "", "kind": "partner", "budget.2026": "3e8",
                  "eligible.producers": "p2, p99"},
        )  # fmt: skip

        assert response.status_code == 422
        assert 'There is no producer "p99".' in field_error(response.text, "eligible-producers")


class TestPlans:
    def test_a_bad_time_limit_is_said_next_to_the_field(self, pages: Pages) -> None:
        response = pages.as_user("planner").post("/plans", data={"mode": "lp", "time_limit": "-3"})

        assert response.status_code == 422
        assert field_error(response.text, "time_limit").startswith("Enter a number of seconds")

    def test_a_started_plan_is_polled_until_it_finishes(self, pages: Pages) -> None:
        client = pages.as_user("planner")

        run_id = pages.start_plan()
        waiting = client.get(f"/plans/{run_id}/progress")
        solve_queued(pages.engine)
        done = client.get(f"/plans/{run_id}/progress")

        assert f'hx-get="/plans/{run_id}/progress"' in waiting.text
        assert "waiting for a worker" in waiting.text
        assert done.headers["hx-refresh"] == "true"
        assert "hx-get" not in done.text

    def test_a_finished_plan_explains_its_shortfalls(self, pages: Pages) -> None:
        run_id = pages.start_plan()
        solve_queued(pages.engine)

        html = pages.as_user("planner").get(f"/plans/{run_id}").text

        assert "Shortfalls and why" in html
        assert '<li class="reason reason-capacity headline">' in html
        # the line by its producer's name, its code second; the claim's month named, and its
        # effect on every tier
        assert "line Zavod (l1) is full in Nov 2026" in html
        assert (
            '+1 in Nov 2026 only: <span class="effects"><span class="cut">cuts tier 1 by 3</span>;'
            " tier 3 unchanged (weighted unit-months short)</span>"
        ) in html
        assert '<strong>155 mm round <span class="code">art-155</span></strong>' in html

    def test_the_shortfall_list_filters_and_says_what_would_close_one(self, pages: Pages) -> None:
        run_id = pages.start_plan()
        solve_queued(pages.engine)
        client = pages.as_user("planner")

        none = client.get(f"/plans/{run_id}?tier=3").text
        some = client.get(f"/plans/{run_id}?tier=1&operation=defensive&grouping=g-east").text
        asked = client.post(f"/plans/{run_id}/shortfalls/1/close")
        work_all(engine=pages.engine)
        job_id = re.search(r'id="job-(\d+)"', asked.text)
        assert job_id, asked.text
        close = client.get(f"/analyses/{job_id.group(1)}/fragment").text
        listed = client.get("/analyses").text
        auditor = pages.as_user("auditor").get(f"/plans/{run_id}").text

        assert asked.status_code == 202
        assert f'hx-get="/analyses/{job_id.group(1)}/fragment"' in asked.text
        assert "waiting for a worker" in asked.text
        assert "hx-get" not in close
        assert "What would close a shortfall" in listed
        # auditors read the answers but do not ask
        assert "What would close it?" not in auditor
        assert "No shortfall matches these filters." in none
        assert '<option value="3" selected>3</option>' in none
        assert '<li value="1">' in some
        assert '<option value="g-east" selected>East (g-east)</option>' in some
        # 900 due in Nov 2026: l1 makes 100 (500 with its expansion), l4 nothing; unlimited
        # money does not close it, +200 a month on each of the item's lines does
        assert "Money alone does not close it" in close
        assert (
            "<li>line Zavod (l1): +200 a month in Nov 2026</li>"
            "<li>line Private (l4): +200 a month in Nov 2026</li>"
        ) in close

    def test_coverage_by_operation_type_and_by_grouping(self, pages: Pages) -> None:
        run_id = pages.start_plan()
        solve_queued(pages.engine)

        html = pages.as_user("planner").get(f"/plans/{run_id}").text

        assert "Coverage by operation type" in html
        assert "Coverage by grouping" in html
        assert '<th scope="row">East <span class="code">g-east</span></th>' in html

    def test_two_plans_are_compared(self, pages: Pages) -> None:
        first = pages.start_plan()
        second = pages.start_plan(mode="milp", time_limit="60")
        solve_queued(pages.engine)

        html = pages.as_user("planner").get(f"/plans/compare?a={first}&b={second}").text

        assert f"<h1>Plan {first} and plan {second}</h1>" in html
        assert "artillery ammunition" in html

    def test_a_comparison_says_who_takes_over_and_which_fund_spends_less(
        self, pages: Pages
    ) -> None:
        first = pages.start_plan()
        solve_queued(pages.engine)
        client = pages.as_user("planner")
        response = client.post(
            f"/funds/{pages.record_id('/funds', code='state')}",
            data={"version": "1", "name": "State budget", "kind": "state",
                  "budget.2026": "100000", "budget.2027": "5000000000"},
            follow_redirects=False,
        )  # fmt: skip
        assert response.status_code == 303, response.text
        second = pages.start_plan()
        solve_queued(pages.engine)

        html = client.get(f"/plans/compare?a={first}&b={second}").text

        # the state paid 13.55 M in 2026, 0.1 M after the cut: p1 delivers 468 rounds less
        assert 'State budget <span class="code">state</span> spends less in 2026' in html
        assert 'The budget of State budget <span class="code">state</span> for 2026 is cut' in html
        assert (
            '<tr><th scope="row">State budget <span class="code">state</span></th>'
            '<td class="num">2026</td><td class="num">13.6</td><td class="num">0.1</td>'
        ) in html
        assert "Who takes over" in html
        assert '<span class="code">p1</span> <span class="down">−468</span>' in html
        uk = pages.as_user("planner", language="uk").get(f"/plans/compare?a={first}&b={second}")
        assert "Хто перебирає виробництво" in uk.text
        assert "витрачає менше у 2026" in uk.text

    def test_a_partner_sees_what_its_funds_pay_but_no_shortfalls(self, pages: Pages) -> None:
        run_id = pages.start_plan()
        solve_queued(pages.engine)
        partner = pages.as_user("partner")

        html = partner.get(f"/plans/{run_id}").text

        assert "What your funds pay in this plan" in html
        assert "Shortfalls and why" not in html
        assert partner.get(f"/plans/compare?a={run_id}&b={run_id}").status_code == 403

    def test_the_overview_shows_the_latest_plan(self, pages: Pages) -> None:
        client = pages.as_user("planner")
        empty = client.get("/overview").text
        pages.start_plan()
        solve_queued(pages.engine)

        html = client.get("/overview").text

        assert "No plan yet: start one on the Plans page." in empty
        for chart in ("coverage-chart", "growth-chart", "supply-chart", "spend-chart"):
            assert f'id="{chart}-data"' in html


class TestLanguage:
    def test_the_browser_s_language_is_the_default(self, pages: Pages) -> None:
        html = pages.anonymous(**{"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.8"}).get("/login").text

        assert '<html lang="uk">' in html
        assert "Увійти" in html

    def test_the_choice_is_remembered_across_pages(self, pages: Pages) -> None:
        client = pages.as_user("planner")

        switched = client.get("/language/uk?next=/needs", follow_redirects=False)
        needs = client.get("/needs").text
        funds = client.get("/funds").text

        assert switched.headers["location"] == "/needs"
        assert "<h1>Потреби</h1>" in needs
        assert "<h1>Фонди</h1>" in funds
        assert "1,25 млрд" not in funds
        assert "1 250,0 млн USD" in funds.replace("\u00a0", " ")

    def test_an_unknown_language_changes_nothing(self, pages: Pages) -> None:
        client = pages.as_user("planner")

        client.get("/language/xx?next=/needs")

        assert "<h1>Needs</h1>" in client.get("/needs").text


class TestAssets:
    @pytest.mark.parametrize("name", ["plotly", "htmx"])
    def test_the_libraries_come_from_installed_packages(self, pages: Pages, name: str) -> None:
        from kuznia.web.assets import url, vendor_file

        response = pages.anonymous().get(url(name))

        assert response.status_code == 200
        assert response.content == vendor_file(name).read_bytes()
        assert "immutable" in response.headers["cache-control"]

    def test_own_styles_are_served(self, pages: Pages) -> None:
        assert pages.anonymous().get("/static/kuznia.css").status_code == 200
