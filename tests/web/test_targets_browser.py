"""Targets in a real browser (Debian's Chromium, driven by Playwright) against a live Kuznia
holding the `small` synthetic data set and the execution demo, whose targets the overview
counts: a planner adds a target for the category of the contract the demo delivered in full,
and follows it from the target to the contracts behind its plan to what the depots accepted
under one of them; then reads the page in Ukrainian. Screenshots go to out/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import create_engine, select

from kuznia.instance.months import add_months
from kuznia.models import Contract, ContractStatus, Item
from tests.web.live import LiveKuznia, live_kuznia
from tests.web.test_browser import browser, context, log_in, shoot

__all__ = ["browser", "context"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveKuznia]:
    with live_kuznia(tmp_path_factory.mktemp("live-targets")) as running:
        yield running


def delivered(live: LiveKuznia) -> tuple[str, str, str]:
    """The contract the demo delivered in full (completed): its number, item and category."""
    engine = create_engine(live.database_url)
    try:
        with engine.connect() as connection:
            number, item, category = connection.execute(
                select(Contract.number, Contract.item, Item.category)
                .join(Item, Item.code == Contract.item)
                .where(Contract.status == ContractStatus.completed)
            ).one()
    finally:
        engine.dispose()
    return number, item, category


def test_a_planner_follows_a_category_from_target_to_plan_to_actual(
    live: LiveKuznia, context: BrowserContext
) -> None:
    number, item, category = delivered(live)
    this_month = datetime.now(UTC).date().strftime("%Y-%m")
    page = context.new_page()
    log_in(page, live, "planner")
    panel = page.locator("#targets-panel")
    expect(panel).to_contain_text(re.compile(r"\d+ of \d+ off track"))
    shoot(page, "targets-overview")

    panel.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Targets")
    page.get_by_text("Add a target").click()
    page.get_by_label("Category").select_option(category)
    page.get_by_label("Period", exact=True).fill(f"{this_month[:4]}-13")
    page.get_by_label("Multiple").fill("2")
    page.get_by_label("Base month").fill(add_months(this_month, -1))
    page.get_by_role("button", name="Add the target").click()
    expect(page.locator("#period-error")).to_have_text(
        "Write the period as a month (YYYY-MM) or a quarter (YYYY-Qn), for example 2027-Q1; "
        f'not "{this_month[:4]}-13".'
    )
    shoot(page, "targets-form-error")

    page.get_by_label("Period", exact=True).fill(this_month)
    page.get_by_role("button", name="Add the target").click()
    expect(page).to_have_url(re.compile(r"/targets\?saved=\d+#target-\d+$"))
    target_id = page.url.rsplit("-", 1)[1]
    target = page.locator(f"#target-{target_id}")
    expect(target.get_by_role("heading", level=3)).to_contain_text(
        f"{category.replace('_', ' ')}: ×2 of"
    )
    expect(target.locator(".status").first).to_have_text(re.compile("on track|off track"))
    expect(target.locator(".reason, .target-status p").first).to_be_visible()
    expect(target.locator(".chart .main-svg").first).to_be_attached()
    shoot(page, "targets")

    target.get_by_text("Contracts behind the plan").click()
    row = target.locator("tbody tr", has_text=number)
    expect(row).to_contain_text(item)
    shoot(page, "targets-contracts")
    row.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Contract {number}")
    expect(page.get_by_text("Accepted at the depots")).to_be_visible()
    shoot(page, "targets-contract")

    page.goto(f"{live.url}/targets#target-{target_id}")
    page.get_by_role("link", name="Українська").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Цілі")
    expect(page.locator(f"#target-{target_id} table caption")).to_have_text(
        "Ціль, план і факт за місяцями"
    )
    shoot(page, "targets-uk")
    page.goto(f"{live.url}/overview")
    expect(page.locator("#targets-panel")).to_contain_text("не за планом")
    shoot(page, "targets-overview-uk")
