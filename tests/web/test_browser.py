"""The pages in a real browser (Debian's Chromium, driven by Playwright) against a live
Kuznia holding the `small` synthetic data set, with worker processes solving the plans:
what a planner, a producer and a Ukrainian reader do, start to finish. Every page visited is
saved as a screenshot under out/screenshots/ to look at.

Chromium must be installed (`apt-get install chromium`; .ci/run does it): without it these
tests fail, they are not skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.web.live import LiveKuznia, live_kuznia

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveKuznia]:
    with live_kuznia(tmp_path_factory.mktemp("live")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`); "
            ".ci/run does it",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport=LAPTOP, locale="en-GB")
    opened.set_default_timeout(20_000)
    yield opened
    opened.close()


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page: Page, live: LiveKuznia, role: str) -> None:
    user = live.user(role)
    page.goto(f"{live.url}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")


def start_plan(page: Page, live: LiveKuznia, mode: str) -> int:
    """Start a plan from the Plans page, watch its progress until it finishes; its id."""
    page.goto(f"{live.url}/plans")
    page.get_by_label("Mode").select_option(mode)
    page.get_by_role("button", name="Start the plan").click()
    expect(page).to_have_url(re.compile(r"/plans/\d+$"))
    run_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#progress progress")).to_be_visible()
    shoot(page, f"plan-{run_id}-progress")
    expect(page.get_by_role("heading", name="Shortfalls and why")).to_be_visible(timeout=60_000)
    return run_id


def test_a_planner_plans_explains_and_compares(live: LiveKuznia, context: BrowserContext) -> None:
    page = context.new_page()
    log_in(page, live, "planner")
    shoot(page, "overview-empty")

    first = start_plan(page, live, "lp")
    expect(page.get_by_text("optimal").first).to_be_visible()
    shortfall = page.locator("ol.shortfalls > li").first
    shortfall.get_by_text("Why?").click()
    expect(shortfall.locator(".reasons")).to_be_visible()
    # a capacity reason: the line, the months it is full, what +1 does to every tier
    expect(shortfall.locator(".reasons")).to_contain_text("is full in")
    expect(shortfall.locator(".reasons > li.headline")).to_contain_text("What binds:")
    shoot(page, f"plan-{first}")
    second = start_plan(page, live, "milp")

    page.goto(f"{live.url}/plans")
    page.get_by_label("First plan").select_option(str(first))
    page.get_by_label("Second plan").select_option(str(second))
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Plan {first} and plan {second}")
    expect(page.locator("table.compare").first).to_contain_text("Coverage of needs")
    shoot(page, "compare")

    for path, name in [
        ("/plans", "plans"),
        ("/overview", "overview"),
        ("/industry", "industry"),
        ("/industry/producers/1", "producer"),
        ("/needs", "needs"),
        ("/needs/1/edit", "need-edit"),
        ("/funds", "funds"),
        ("/funds/1/edit", "fund-edit"),
    ]:
        page.goto(live.url + path)
        expect(page.locator("main h1")).to_be_visible()
        shoot(page, name)
    expect(page.locator("#sankey-chart .sankey")).to_have_count(0)  # fund-edit has no chart
    page.goto(f"{live.url}/funds")
    expect(page.locator("#sankey-chart svg").first).to_be_visible()


def test_the_language_chosen_is_remembered_on_every_page(
    live: LiveKuznia, browser: Browser
) -> None:
    context = browser.new_context(viewport=TABLET, locale="en-GB")
    page = context.new_page()
    log_in(page, live, "planner")

    page.get_by_role("link", name="Українська").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Огляд")
    page.get_by_role("navigation", name="Головне меню").get_by_role("link", name="Потреби").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Потреби")
    shoot(page, "needs-uk-tablet")
    page.get_by_role("navigation", name="Головне меню").get_by_role("link", name="Плани").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Плани")
    shoot(page, "plans-uk-tablet")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plans")
    context.close()


def test_a_producer_reaches_only_its_own_producer(
    live: LiveKuznia, context: BrowserContext
) -> None:
    page = context.new_page()
    log_in(page, live, "producer")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Industry").click()
    expect(page.locator("caption")).to_have_text("Producers: 1")
    page.locator("tbody a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("p001")
    shoot(page, "producer-own")

    response = page.goto(f"{live.url}/industry/producers/2")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    shoot(page, "producer-other-404")


def test_the_keyboard_reaches_the_content_first(live: LiveKuznia, context: BrowserContext) -> None:
    page = context.new_page()
    log_in(page, live, "auditor")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")

    expect(page.locator("main")).to_be_focused()


def stock_now(page: Page, depot: str, item: str) -> float:
    """What the ledger's stock table says a depot holds of an item now (0 without a row)."""
    row = page.locator(f'#stock tr[data-depot="{depot}"][data-item="{item}"]')
    if row.count() == 0:
        return 0.0
    return float(row.locator("td.num").last.inner_text().replace(",", ""))


def test_depot_staff_record_a_receipt_and_see_it_in_the_ledger(
    live: LiveKuznia, context: BrowserContext
) -> None:
    page = context.new_page()
    log_in(page, live, "logistics")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ledger").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daily ledger")
    # the contracts open for delivery are offered
    offered = page.locator("#contracts-open option").first
    contract, item = offered.get_attribute("value"), offered.get_attribute("data-item")
    assert contract
    assert item
    before = stock_now(page, "d-01", item)
    shoot(page, "ledger")

    receipt = page.locator("#receipt")
    receipt.get_by_label("Depot").select_option("d-01")
    receipt.get_by_label("Contract number").fill(contract)
    receipt.get_by_label("Received").fill("12")
    receipt.get_by_label("Accepted").fill("10")
    receipt.get_by_label("Rejected").fill("2")
    receipt.get_by_label("Reason for rejecting").fill("two cases dented")
    receipt.get_by_role("button", name="Record the receipt").click()

    expect(page.locator(".notice.success")).to_contain_text("The receipt is recorded.")
    expect(page.locator("tr.saved")).to_contain_text("two cases dented")
    assert stock_now(page, "d-01", item) == before + 10
    shoot(page, "ledger-recorded")

    dispatch = page.locator("#dispatch")
    dispatch.get_by_label("Depot").select_option("d-01")
    dispatch.get_by_label("Item").select_option(item)
    dispatch.get_by_label("Grouping").select_option(index=1)
    dispatch.get_by_label("Quantity").fill("1000000")
    dispatch.get_by_role("button", name="Record the dispatch").click()
    expect(page.locator("#dispatch .field-error")).to_have_text(
        re.compile(rf"Only [\d,.]+ of {item} in stock at depot d-01\.")
    )
    shoot(page, "ledger-dispatch-refused")


def test_a_planner_approves_a_plan_and_follows_its_contracts(
    live: LiveKuznia, context: BrowserContext
) -> None:
    page = context.new_page()
    log_in(page, live, "planner")
    run_id = start_plan(page, live, "lp")
    page.get_by_label("Firm months").fill("2")
    shoot(page, f"plan-{run_id}-approve")
    page.get_by_role("button", name="Approve the plan").click()
    expect(page.locator(".notice.success")).to_contain_text(f"Plan {run_id} is approved")
    shoot(page, "contracts-approved")

    page.goto(f"{live.url}/contracts?status=in_delivery")
    page.locator("tbody a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contract K-")
    expect(page.get_by_text("Accepted at the depots")).to_be_visible()
    shoot(page, "contract")
    for path, name in [
        ("/contracts/guarantees", "guarantees"),
        ("/contracts/progress", "progress"),
        ("/contracts/progress?view=needs", "progress-needs"),
        ("/ledger", "ledger-planner"),
    ]:
        page.goto(live.url + path)
        expect(page.locator("main h1")).to_be_visible()
        shoot(page, name)


def test_an_auditor_verifies_the_chain(live: LiveKuznia, context: BrowserContext) -> None:
    page = context.new_page()
    log_in(page, live, "auditor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit chain")

    page.get_by_role("button", name="Verify the chain").click()

    expect(page.locator("#verification")).to_contain_text("The chain is intact.")
    assert "verify=1" not in page.url  # htmx swapped the outcome in; the page stayed
    page.get_by_label("Entity").fill("receipts")
    page.get_by_role("button", name="Filter").click()
    event = page.locator("ol.events > li").first
    event.locator("summary").click()
    expect(event.locator("table.diff")).to_contain_text("accepted")
    shoot(page, "audit")


def test_a_planner_filters_shortfalls_and_asks_what_closes_one(
    live: LiveKuznia, browser: Browser
) -> None:
    run_url = ""
    for language, width in (("en", 1440), ("uk", 1440), ("en", 390), ("uk", 390)):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
        context.set_default_timeout(30_000)
        page = context.new_page()
        log_in(page, live, "planner")
        if language == "uk":
            page.get_by_role("link", name="Українська").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Огляд")
        if not run_url:
            run_url = f"{live.url}/plans/{start_plan(page, live, 'lp')}"
        page.goto(run_url)

        page.locator("#filter-tier").select_option("3")
        page.locator("#filter-operation").select_option("defensive")
        page.locator("form.filters button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"tier=3.*operation=defensive"))
        first = page.locator("ol.shortfalls > li").first
        expect(first).to_contain_text("3")
        first.locator("summary").click()
        expect(first.locator(".reasons > li.headline")).to_be_visible()
        first.locator(".close button").click()
        # queued for the worker pool and followed in place until its answer is there
        expect(first.locator(".close-answer")).to_be_visible(timeout=120_000)
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shoot(page, f"plan-shortfalls-{language}-{width}")
        assert fits, f"the plan page is wider than {width} px in {language}"
        context.close()


def test_the_content_security_policy_holds_and_charts_still_draw(
    live: LiveKuznia, context: BrowserContext
) -> None:
    """No page breaks its own policy (no inline script, no handler attribute, nothing from
    elsewhere): Chromium reports every violation on the console."""
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    log_in(page, live, "planner")
    for path in [
        "/overview",
        "/industry",
        "/industry/producers/1",
        "/needs",
        "/funds",
        "/plans",
        "/contracts",
        "/contracts/progress",
        "/ledger",
        "/account/password",
    ]:
        page.goto(live.url + path)
        expect(page.locator("main h1")).to_be_visible()
    page.goto(f"{live.url}/funds")
    expect(page.locator("#sankey-chart svg").first).to_be_visible()
    page.goto(f"{live.url}/industry/producers/1")
    expect(page.locator(".chart svg").first).to_be_visible()

    assert [text for text in console if "Content Security Policy" in text] == []
    assert page.evaluate("document.body.getAttribute('hx-headers')").startswith('{"X-CSRF-Token"')
