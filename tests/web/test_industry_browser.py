"""In a real browser (Debian's Chromium) against a live Kuznia on `small`: a producer edits its
own line and cannot edit another's; an admin adds a user who then logs in; a planner downloads
a plan's workbook and the registry workbook, imports a spoiled registry workbook and reads the
cells that are wrong. Each page is saved under out/screenshots/ in Ukrainian and English at
1440 and 390 px wide (industry-*.png)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from tests.web.live import LiveKuznia, live_kuznia
from tests.web.test_browser import SCREENSHOTS, browser

__all__ = ["browser"]

WIDTHS = {1440: 900, 390: 844}
NEW_PASSWORD = "a long and uncommon passphrase"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveKuznia]:
    with live_kuznia(tmp_path_factory.mktemp("live-industry")) as running:
        yield running


def query(live: LiveKuznia, sql: str, **values: object) -> list[tuple[object, ...]]:
    engine = create_engine(live.database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), values)]
    finally:
        engine.dispose()


def log_in(page: Page, live: LiveKuznia, email: str, password: str, language: str) -> None:
    page.context.add_cookies([{"name": "kuznia_lang", "value": language, "url": live.url}])
    page.goto(f"{live.url}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/overview$"))


def shoot(page: Page, name: str, language: str) -> None:
    """The page as it is, at each width (the page is not reloaded: a form's answer stays)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(600)  # charts redraw for the new width
        page.screenshot(
            path=str(SCREENSHOTS / f"industry-{name}-{language}-{width}.png"), full_page=True
        )
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} {language} {width}: {overflow} px too wide"
    page.set_viewport_size({"width": 1440, "height": 900})


@pytest.mark.parametrize("language", ["en", "uk"])
def test_a_producer_edits_its_own_line_and_not_another_s(
    live: LiveKuznia, browser: Browser, language: str
) -> None:
    user = live.user("producer")
    ((own_producer,),) = query(
        live,
        "SELECT o.producer_id FROM organisations o JOIN users u ON u.organisation_id = o.id "
        "WHERE u.email = :email",
        email=user.email,
    )
    (line_id, line_code), *_ = query(
        live,
        "SELECT id, code FROM lines WHERE producer_id = :p ORDER BY id",
        p=own_producer,
    )
    ((other_line, other_version),) = query(
        live,
        "SELECT id, version FROM lines WHERE producer_id != :p ORDER BY id LIMIT 1",
        p=own_producer,
    )
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    log_in(page, live, user.email, user.password, language)

    page.goto(f"{live.url}/industry/producers/{own_producer}")
    page.locator(f"a[href='/industry/lines/{line_id}/edit']").click()
    expect(page.locator("main h1")).to_contain_text(line_code)
    shoot(page, "line-edit", language)
    capacity = page.locator("input[name='capacity.2']")
    capacity.fill("not a number")
    page.locator("form.record-form button[type=submit]").click()
    expect(page.locator("#capacity-2-error")).to_be_visible()
    shoot(page, "line-edit-error", language)
    page.locator("input[name='capacity.2']").fill("777")
    page.locator("input[name='price.2']").fill("1234,5")
    page.locator("form.record-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/industry/producers/{own_producer}\?saved={line_id}$"))
    expect(page.locator(".notice.success")).to_be_visible()
    shoot(page, "producer-saved", language)
    ((capacity_saved,),) = query(live, "SELECT capacity FROM lines WHERE id = :i", i=line_id)
    assert "777" in str(capacity_saved)

    response = page.goto(f"{live.url}/industry/lines/{other_line}/edit")
    assert response is not None
    assert response.status == 404
    shoot(page, "other-line-404", language)
    assert query(live, "SELECT version FROM lines WHERE id = :i", i=other_line) == [
        (other_version,)
    ]
    context.close()


@pytest.mark.parametrize("language", ["en", "uk"])
def test_an_admin_adds_a_user_who_then_logs_in(
    live: LiveKuznia, browser: Browser, language: str
) -> None:
    admin = live.user("admin")
    email = f"new.auditor.{language}@demo.kuznia"
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    log_in(page, live, admin.email, admin.password, language)

    page.goto(f"{live.url}/users")
    shoot(page, "users", language)
    form = page.locator("form[action='/users']")
    form.locator("input[name=email]").fill(email)
    form.locator("select[name=role]").select_option("auditor")
    form.locator("select[name=organisation]").select_option("Demo ministry")
    form.locator("input[name=password]").fill("short")
    form.locator("input[name=repeated_password]").fill("short")
    form.locator("button[type=submit]").click()
    expect(page.locator("#password-error")).to_be_visible()
    shoot(page, "users-error", language)
    form = page.locator("form[action='/users']")
    form.locator("input[name=password]").fill(NEW_PASSWORD)
    form.locator("input[name=repeated_password]").fill(NEW_PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/users\?saved=\d+$"))
    expect(page.locator("tr.saved")).to_contain_text(email)
    page.locator("tr.saved a").click()
    expect(page.locator("main h1")).to_contain_text(email)
    shoot(page, "user-edit", language)
    context.close()

    newcomer = browser.new_context(viewport={"width": 1440, "height": 900})
    page = newcomer.new_page()
    log_in(page, live, email, NEW_PASSWORD, language)
    expect(page.locator("nav.main-nav")).to_be_visible()
    newcomer.close()


def spoiled(workbook: Path, sheet: str, column: str, value: str) -> tuple[Path, str]:
    """A copy of `workbook` with the first record's `column` of `sheet` set to `value`."""
    book = load_workbook(workbook)
    rows = book[sheet]
    header = [cell.value for cell in rows[1]]
    cell = rows.cell(row=2, column=header.index(column) + 1)
    cell.value = value
    out = workbook.with_name(f"spoiled-{workbook.name}")
    book.save(out)
    return out, cell.coordinate


@pytest.mark.parametrize("language", ["en", "uk"])
def test_a_planner_downloads_workbooks_and_reads_a_bad_import_s_cells(
    live: LiveKuznia, browser: Browser, language: str, tmp_path: Path
) -> None:
    planner = live.user("planner")
    ((run_id,),) = query(
        live, "SELECT max(id) FROM plan_runs WHERE status = 'finished' AND cost IS NOT NULL"
    )
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    context.set_default_timeout(60_000)
    page = context.new_page()
    log_in(page, live, planner.email, planner.password, language)

    page.goto(f"{live.url}/plans/{run_id}")
    with page.expect_download() as plan_download:
        page.locator("#plan-workbook").click()
    plan_file = tmp_path / "plan.xlsx"
    plan_download.value.save_as(plan_file)
    assert "Summary" in load_workbook(plan_file, read_only=True).sheetnames

    page.goto(f"{live.url}/industry")
    page.locator("a[href='/registry']").click()
    expect(page.locator("main h1")).to_be_visible()
    shoot(page, "registry", language)
    with page.expect_download() as registry_download:
        page.locator("a[href='/registry/workbook']").click()
    registry_file = tmp_path / "registry.xlsx"
    registry_download.value.save_as(registry_file)
    bad, cell = spoiled(registry_file, "Lines", "capacity", "lots")
    lines_before = query(live, "SELECT count(*), sum(version) FROM lines")

    page.locator("input[name=workbook]").set_input_files(str(bad))
    page.locator("form[action='/registry/import'] button[type=submit]").click()

    problems = page.locator("#cell-problems")
    expect(problems).to_be_visible()
    row = problems.locator("tbody tr", has_text="lots")
    expect(row).to_contain_text(cell)
    expect(row).to_contain_text("capacity")
    shoot(page, "registry-errors", language)
    assert query(live, "SELECT count(*), sum(version) FROM lines") == lines_before

    page.goto(f"{live.url}/contracts")
    with page.expect_download() as ocds_download:
        page.locator("#ocds-package").click()
    assert ocds_download.value.suggested_filename == "contracts-ocds.json"

    page.goto(f"{live.url}/industry/stock")
    shoot(page, "stock", language)
    expansion = query(live, "SELECT min(id) FROM expansions")[0][0]
    page.goto(f"{live.url}/industry/expansions/{expansion}/edit")
    expect(page.locator("main h1")).to_be_visible()
    shoot(page, "expansion-edit", language)
    context.close()


@pytest.mark.parametrize("language", ["en", "uk"])
def test_a_producer_adds_a_line_and_an_expansion_deletes_them_and_is_refused_for_a_used_line(
    live: LiveKuznia, browser: Browser, language: str
) -> None:
    user = live.user("producer")
    ((own_producer, producer_code),) = query(
        live,
        "SELECT p.id, p.code FROM organisations o JOIN users u ON u.organisation_id = o.id "
        "JOIN producers p ON p.id = o.producer_id WHERE u.email = :email",
        email=user.email,
    )
    ((item_code,),) = query(live, "SELECT code FROM items ORDER BY id LIMIT 1")
    code = f"{producer_code}-new-{language}"
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    log_in(page, live, user.email, user.password, language)

    page.goto(f"{live.url}/industry/producers/{own_producer}")
    page.locator("#add-line").click()
    expect(page.locator("main h1")).to_be_visible()
    form = page.locator("form.record-form")
    form.locator("input[name=code]").fill(code)
    form.locator("input[name=capacity]").fill("many")
    form.locator("button[type=submit]").click()
    expect(page.locator("#capacity-error")).to_be_visible()
    expect(page.locator("#item-error")).to_be_visible()
    shoot(page, "line-add-error", language)
    form = page.locator("form.record-form")
    form.locator("select[name=item]").select_option(item_code)
    form.locator("input[name=capacity]").fill("150")
    form.locator("input[name=price]").fill("2500,5")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/industry/producers/{own_producer}\?saved=\d+$"))
    ((line_id, capacity),) = query(live, "SELECT id, capacity FROM lines WHERE code = :c", c=code)
    assert str(capacity) == "150"

    page.locator("#add-expansion").click()
    form = page.locator("form.record-form")
    form.locator("input[name=code]").fill(f"{code}-e")
    form.locator("select[name=line]").select_option(code)
    form.locator("input[name=added_capacity]").fill("40")
    form.locator("input[name=capex]").fill("1 000 000")
    # side by side at desktop width, the code (under its hint) and the line start level
    page.set_viewport_size({"width": 1440, "height": 900})
    code_box = form.locator("input[name=code]").bounding_box()
    line_box = form.locator("select[name=line]").bounding_box()
    assert code_box is not None
    assert line_box is not None
    assert code_box["x"] < line_box["x"]
    assert abs(code_box["y"] - line_box["y"]) < 1, (code_box, line_box)
    shoot(page, "expansion-add", language)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/industry/producers/{own_producer}\?saved=\d+$"))
    ((expansion_id,),) = query(live, "SELECT id FROM expansions WHERE code = :c", c=f"{code}-e")

    # the new line has an expansion option: refused, and the option is named
    page.goto(f"{live.url}/industry/lines/{line_id}/edit")
    page.locator("#delete-line button").click()
    expect(page.locator("#delete-refused")).to_contain_text(f"{code}-e")
    shoot(page, "line-delete-refused", language)
    page.goto(f"{live.url}/industry/expansions/{expansion_id}/edit")
    page.locator("#delete-expansion button").click()
    expect(page).to_have_url(re.compile(rf"/industry/producers/{own_producer}\?deleted=1$"))
    page.goto(f"{live.url}/industry/lines/{line_id}/edit")
    page.locator("#delete-line button").click()
    expect(page).to_have_url(re.compile(rf"/industry/producers/{own_producer}\?deleted=1$"))
    expect(page.locator(".notice.success")).to_be_visible()
    shoot(page, "line-deleted", language)
    assert query(live, "SELECT id FROM lines WHERE code = :c", c=code) == []

    # a line of the signed plan: its contracts are named, nothing is deleted
    ((used_line, used_code),) = query(
        live,
        "SELECT l.id, l.code FROM lines l WHERE l.producer_id = :p AND EXISTS "
        "(SELECT 1 FROM contracts c WHERE c.line = l.code) ORDER BY l.id LIMIT 1",
        p=own_producer,
    )
    page.goto(f"{live.url}/industry/lines/{used_line}/edit")
    page.locator("#delete-line button").click()
    refused = page.locator("#delete-refused")
    expect(refused).to_be_visible()
    expect(refused).to_contain_text("Contracts for it" if language == "en" else "Контракти на неї")
    shoot(page, "line-delete-contracts", language)
    assert query(live, "SELECT code FROM lines WHERE id = :i", i=used_line) == [(used_code,)]
    context.close()
