"""Exports, the money curve and foreign supply in a real browser (Debian's Chromium, driven by
Playwright) against a live Kuznia holding the `small` data set and the execution demo (an
approved plan): a planner shares a foreign buyer's offer for an item the demo producer makes,
and the producer finds it on its export page, which it did not before; the planner draws a
money curve and downloads it as a workbook; the demo depot records a foreign delivery on
arrival and finds it against what was expected. Each page is then shot in Ukrainian and
English at 1440 and 390 px into out/screenshots/ (exports-*, producer-exports-*, economy-*,
curve-*, foreign-supply-*), none wider than a phone at 390 px."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterator

import httpx
import openpyxl
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import create_engine, select

from kuznia import models
from tests.web.live import LiveKuznia, live_kuznia
from tests.web.test_browser import browser, context, log_in, shoot
from tests.web.test_every_page import VISIBLE_TEXT, data_names, english_domain_words, foreign_words

__all__ = ["browser", "context"]

WIDTHS = {1440: 900, 390: 844}
# every chart of the page drawn by kuznia.js
DRAWN = """() => Array.from(document.querySelectorAll('.chart[data-figure]'))
  .every(e => e.dataset.drawn && e.querySelector('svg.main-svg'))"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveKuznia]:
    with live_kuznia(tmp_path_factory.mktemp("live-exports")) as running:
        yield running


def _demo_producers_item(live: LiveKuznia) -> str:
    """An item the demo producer (the registry's first producer) makes."""
    engine = create_engine(live.database_url)
    try:
        with engine.connect() as connection:
            return str(
                connection.execute(
                    select(models.Item.code)
                    .join(models.Line, models.Line.item_id == models.Item.id)
                    .order_by(models.Line.producer_id, models.Line.id)
                    .limit(1)
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _api(live: LiveKuznia, page: Page) -> httpx.Client:
    """The API as the user logged in on `page` (its session is a bearer token)."""
    (session,) = [c["value"] for c in page.context.cookies() if c["name"] == "kuznia_session"]
    return httpx.Client(
        base_url=f"{live.url}/api/v1", headers={"Authorization": f"Bearer {session}"}
    )


@functools.cache
def _names(database_url: str) -> list[str]:
    """The registry's names: data, shown as entered in any language."""
    return data_names(LiveKuznia(url="", database_url=database_url))


def _shoot_both_widths(page: Page, name: str, live: LiveKuznia) -> list[str]:
    """Shoot the page at each width; what a person would trip over: wider than a phone at
    390 px, or English domain words on a Ukrainian page."""
    too_wide: list[str] = []
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        page.wait_for_load_state("load")
        page.wait_for_function(DRAWN)
        page.wait_for_timeout(300)  # Plotly fits a chart to its box just after drawing it
        shoot(page, f"{name}-{width}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if width == 390 and overflow > 1:
            too_wide.append(f"{name}: {overflow} px too wide")
        if name.endswith("-uk") and width == 1440:
            shown = page.evaluate(VISIBLE_TEXT)
            for data_name in _names(live.database_url):
                shown = shown.replace(data_name, " ")
            english = foreign_words(shown, english_domain_words())
            if english:
                too_wide.append(f"{name}: English {english}")
    page.set_viewport_size({"width": 1440, "height": 900})
    return too_wide


def _in_ukrainian(page: Page, live: LiveKuznia) -> None:
    page.context.add_cookies([{"name": "kuznia_lang", "value": "uk", "url": live.url}])


def test_a_planner_shares_an_offer_and_the_producer_then_sees_it(
    live: LiveKuznia, browser: Browser, context: BrowserContext
) -> None:
    item = _demo_producers_item(live)
    planner = context.new_page()
    log_in(planner, live, "planner")
    with _api(live, planner) as api:
        offer = {"code": "x-demo", "item": item, "month": 3, "quantity": 40, "price": 2500}
        created = api.post("/export-orders", json=offer | {"buyer": "PL"})
        assert created.status_code == 201, created.text

    producer_context = browser.new_context(viewport={"width": 1440, "height": 900})
    producer = producer_context.new_page()
    log_in(producer, live, "producer")
    producer.get_by_role("navigation", name="Main").get_by_role("link", name="Exports").click()
    expect(producer.get_by_role("heading", level=1)).to_have_text("Exports")
    expect(producer.locator("#offer-x-demo")).to_have_count(0)
    expect(producer.get_by_text("No offer is shared with you yet.")).to_be_visible()

    planner.goto(f"{live.url}/exports")
    row = planner.locator("#offer-x-demo")
    expect(row).to_contain_text("not shared")
    row.get_by_role("button", name="Share with its producers").click()
    expect(planner.get_by_role("status")).to_contain_text("The offer is shared")
    expect(planner.locator("#offer-x-demo")).to_contain_text("Stop sharing")
    problems = _shoot_both_widths(planner, "exports-en", live)

    producer.reload()
    shared = producer.locator("#offer-x-demo")
    expect(shared).to_be_visible()
    expect(shared).to_contain_text("PL")
    expect(producer.get_by_role("button", name="Stop sharing")).to_have_count(0)
    problems += _shoot_both_widths(producer, "producer-exports-en", live)
    _in_ukrainian(producer, live)
    producer.reload()
    expect(producer.locator("#offers-heading")).to_have_text("Експортні пропозиції")
    problems += _shoot_both_widths(producer, "producer-exports-uk", live)
    producer_context.close()

    _in_ukrainian(planner, live)
    planner.reload()
    expect(planner.get_by_role("heading", level=1)).to_have_text("Експорт")
    problems += _shoot_both_widths(planner, "exports-uk", live)
    assert not problems, problems


def test_a_planner_draws_a_money_curve_and_downloads_it(
    live: LiveKuznia, context: BrowserContext
) -> None:
    page = context.new_page()
    log_in(page, live, "planner")
    page.goto(f"{live.url}/economy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Economy")
    problems = _shoot_both_widths(page, "economy-en", live)

    form = page.locator("#curve-form")
    form.get_by_label("Fund").select_option(index=0)
    form.get_by_label("Up to (M)").fill("200")
    form.get_by_label("Steps").fill("4")
    form.get_by_role("button", name="Draw").click()
    expect(page.locator("#curve-chart")).to_be_visible(timeout=120_000)
    with page.expect_download() as download:
        page.locator("#curve-xlsx").click()
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    steps = [[c.value for c in row] for row in book["Steps"].iter_rows(min_row=2)]
    assert [row[1] for row in steps] == [0, 50e6, 100e6, 150e6, 200e6]
    assert re.fullmatch(r"money-curve-run\d+-.+-\d{4}\.xlsx", download.value.suggested_filename)
    problems += _shoot_both_widths(page, "curve-en", live)

    _in_ukrainian(page, live)
    page.reload()
    expect(page.locator("#curve-chart")).to_be_visible(timeout=120_000)
    problems += _shoot_both_widths(page, "curve-uk", live)
    page.goto(f"{live.url}/economy")
    problems += _shoot_both_widths(page, "economy-uk", live)
    assert not problems, problems


def test_a_depot_records_a_foreign_delivery_on_arrival(
    live: LiveKuznia, context: BrowserContext
) -> None:
    page = context.new_page()
    log_in(page, live, "logistics")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ledger").click()
    page.get_by_role("link", name=re.compile("Foreign supply")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Foreign supply")

    form = page.locator("#arrival")
    form.get_by_label("Supplier country").fill("pl")
    form.get_by_label("Item").select_option(index=1)
    form.get_by_label("Quantity").fill("120")
    form.get_by_label("Note").fill("waybill 17/4")
    form.get_by_role("button", name="Record the delivery").click()

    expect(page.get_by_role("status")).to_contain_text("The foreign delivery is recorded")
    saved = page.locator("#foreign-latest tr.saved")
    expect(saved).to_contain_text("Poland (PL)")
    expect(saved).to_contain_text("120")
    expect(page.locator("#foreign-by-country")).to_contain_text("Poland (PL)")
    problems = _shoot_both_widths(page, "foreign-supply-en", live)
    _in_ukrainian(page, live)
    page.reload()
    expect(page.locator("#foreign-by-country")).to_contain_text("Польща (PL)")
    problems += _shoot_both_widths(page, "foreign-supply-uk", live)
    assert not problems, problems
