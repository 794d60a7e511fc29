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
    expect(shortfall.locator(".reasons")).to_contain_text("capacity")
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
    assert response is not None and response.status == 404
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
