"""The planner's workbench in a real browser (Debian's Chromium, driven by Playwright) against
a live Kuznia holding the `small` data set, with worker processes answering: a planner ranks
the critical producers, strikes the most critical one for six months and reads the result,
runs a 50-scenario sweep and reads its charts, and asks for a robust plan. Every workbench
page is saved under out/screenshots/ in Ukrainian and English at 1440 and 390 px."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.live import LiveKuznia, live_kuznia
from tests.web.test_browser import browser, log_in, shoot, start_plan

__all__ = ["browser"]
WIDTHS = {1440: 900, 390: 844}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveKuznia]:
    with live_kuznia(tmp_path_factory.mktemp("workbench")) as running:
        yield running


def htmx_ready(page: Page) -> None:
    """Wait until the page's scripts ran: a click before htmx is there submits the form as a
    plain POST (the answer then opens on its analysis page instead of in place)."""
    page.wait_for_function("() => document.readyState === 'complete' && 'htmx' in window")


def answer_of(page: Page, box: str) -> str:
    """The analysis id of the job followed in `box`."""
    job = page.locator(f"{box} .job-box")
    expect(job).to_have_count(1)
    return str(job.get_attribute("id")).removeprefix("job-")


def test_a_planner_strikes_the_most_critical_producer_sweeps_and_asks_for_a_robust_plan(
    live: LiveKuznia, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    log_in(page, live, "planner")
    plan = start_plan(page, live, "lp")

    # the workbench is in the menu; rank the producers
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workbench").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workbench")
    page.get_by_role("link", name="Critical producers").click()
    page.get_by_label("Plan", exact=True).select_option(str(plan))
    page.get_by_label("Producers to re-plan").fill("5")
    htmx_ready(page)
    page.get_by_role("button", name="Rank").click()
    heading = page.get_by_role("heading", name=f"Critical producers and regions of plan {plan}")
    expect(heading).to_be_visible(timeout=120_000)
    expect(page.locator("#critical-answer .chart svg").first).to_be_visible(timeout=30_000)
    critical = answer_of(page, "#critical-answer")
    first = page.locator("#critical-answer table.producers tbody tr").first
    most_critical = first.locator("th").inner_text().strip()
    assert re.fullmatch(r"p\d+", most_critical), most_critical
    shoot(page, "workbench-critical")

    # strike it for six months, store the scenario, run it against the plan
    page.get_by_role("link", name="Scenarios").click()
    page.get_by_label("Name").fill(f"{most_critical} stops for six months")
    page.get_by_label("Producer").select_option(most_critical)
    page.locator("#f-strike_first").select_option("0")
    page.locator("#f-strike_last").select_option("5")
    page.get_by_label("Share of capacity lost, %").fill("100")
    page.get_by_role("button", name="Store the scenario").click()
    expect(page.get_by_text("The scenario was stored.")).to_be_visible()
    row = page.locator("table.scenarios tbody tr.saved")
    expect(row).to_contain_text(f"Strike: {most_critical} loses 100% of capacity, months 1–6")
    row.get_by_label("Plan", exact=True).select_option(str(plan))
    htmx_ready(page)
    row.get_by_role("button", name="Run").click()
    title = f"Scenario “{most_critical} stops for six months” against plan {plan}"
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=120_000)
    expect(page.locator("#scenario-answer .chart svg").first).to_be_visible(timeout=30_000)
    struck = page.locator("#scenario-answer table.producers tbody tr", has_text=most_critical)
    expect(struck.locator("td").last).to_contain_text("-")  # it delivers less
    scenario = answer_of(page, "#scenario-answer")
    shoot(page, "workbench-scenario")

    # a 50-scenario sweep, followed in place
    page.get_by_role("link", name="Sweeps").click()
    page.get_by_label("Plan", exact=True).select_option(str(plan))
    page.get_by_label("Scenarios", exact=True).fill("50")
    page.get_by_label("Seed").fill("1")
    htmx_ready(page)
    page.get_by_role("button", name="Start the sweep").click()
    expect(page.locator("#sweep-answer progress")).to_be_visible()
    shoot(page, "workbench-sweep-progress")
    expect(
        page.get_by_role("heading", name=f"50 scenarios of seed 1 against plan {plan}")
    ).to_be_visible(timeout=240_000)
    for chart in ("sweep-tiers", "sweep-fan"):
        expect(page.locator(f"#sweep-answer [id^='{chart}-'] svg").first).to_be_visible(
            timeout=30_000
        )
    expect(page.get_by_role("heading", name="How often each producer is critical")).to_be_visible()
    sweep = answer_of(page, "#sweep-answer")
    shoot(page, "workbench-sweep")

    # a robust plan from the plans page
    page.goto(f"{live.url}/plans")
    page.get_by_text("Robust plan", exact=True).click()
    page.get_by_label("Solve a robust plan").check()
    page.locator("#f-robust_scenarios").fill("4")
    page.locator("#f-check_scenarios").fill("4")
    page.locator("#f-check_seed").fill("9")
    page.get_by_role("button", name="Start the plan").click()
    expect(page).to_have_url(re.compile(r"/plans/\d+$"))
    robust = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("heading", name="Shortfalls and why")).to_be_visible(timeout=240_000)
    expect(page.locator("table.robust")).to_contain_text("Tier 1: weighted unit-months short")
    shoot(page, "workbench-robust-plan")
    page.goto(f"{live.url}/plans/compare?a={plan}&b={robust}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Plan {plan} and plan {robust}")
    shoot(page, "workbench-robust-compare")
    page.goto(f"{live.url}/plans")
    listed = page.locator("tbody tr", has=page.locator(f'a[href="/plans/{robust}"]'))
    expect(listed.locator(".badge.robust")).to_have_text("robust")
    shoot(page, "workbench-plans-robust")

    # every workbench page in both languages, at both widths
    paths = {
        "workbench": "/workbench",
        "workbench-sweeps": "/workbench/sweeps",
        "workbench-critical-page": "/workbench/critical",
        "analysis-sweep": f"/analyses/{sweep}",
        "analysis-scenario": f"/analyses/{scenario}",
        "analysis-critical": f"/analyses/{critical}",
        "plans-with-robust": "/plans",
        "plan-robust": f"/plans/{robust}",
    }
    for language, link in (("en", None), ("uk", "Українська")):
        if link:
            page.get_by_role("link", name=link).click()
            expect(page.locator("html")).to_have_attribute("lang", "uk")
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            for name, path in paths.items():
                page.goto(live.url + path)
                expect(page.locator("main h1")).to_be_visible()
                if path.startswith("/analyses"):
                    expect(page.locator(".chart svg").first).to_be_visible(timeout=30_000)
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, f"{path} in {language} is {wide} px wide at {width}"
                shoot(page, f"{name}-{language}-{width}")
    context.close()


def test_a_planner_cuts_what_a_supplier_country_delivers_in_english_and_ukrainian(
    live: LiveKuznia, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    log_in(page, live, "planner")
    start_plan(page, live, "lp")

    page.goto(f"{live.url}/workbench")
    country = page.get_by_label("Supplier country")
    # the small data set's synthetic countries, named in the page's language
    expect(country.locator("option", has_text="Lithuania (LT)")).to_have_count(1)
    page.get_by_label("Name").fill("LT delivers half, first year")
    country.select_option("LT")
    page.get_by_label("Share that does not arrive, %").fill("50")
    page.locator("#f-foreign_first").select_option("0")
    page.locator("#f-foreign_last").select_option("11")
    shoot(page, "workbench-country-builder-en")
    page.get_by_role("button", name="Store the scenario").click()
    expect(page.get_by_text("The scenario was stored.")).to_be_visible()
    row = page.locator("table.scenarios tbody tr.saved")
    expect(row).to_contain_text("Foreign shortfall from supplier country Lithuania (LT): ")
    expect(row).to_contain_text("months 1–12")
    shoot(page, "workbench-country-en")

    page.get_by_role("link", name="Українська").click()
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    row = page.locator("table.scenarios tbody tr", has_text="LT delivers half")
    expect(row).to_contain_text("Недопостачання з-за кордону, країна-постачальник Литва (LT): ")
    expect(
        page.get_by_label("Країна-постачальник").locator("option", has_text="Литва (LT)")
    ).to_have_count(1)
    shoot(page, "workbench-country-uk")
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        shoot(page, f"workbench-country-uk-{width}")
    context.close()
