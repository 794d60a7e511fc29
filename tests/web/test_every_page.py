"""Every page every role reaches, in Ukrainian and in English, at 1440 and 390 px wide, in
Debian's Chromium against a live Kuznia holding the `small` data set and the execution demo
(`kuznia demo-users --execution`) plus a newer what-if plan.

Each page is saved to out/screenshots/<page>-<language>-<width>.png (to look at); a Ukrainian
page fails on any English domain word (the vocabulary's categories, units, ownership,
operations, fund kinds, statuses, audit actions and entities, and common UI words), and no page
is wider than the window at 390 px (tables scroll inside their own container)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from kuznia.web import vocabulary
from tests.web.live import LiveKuznia, live_kuznia
from tests.web.test_browser import SCREENSHOTS, browser

__all__ = ["browser"]

NAMES = (
    ("producers", "name"),
    ("organisations", "name"),
    ("users", "email"),
    ("items", "name"),
    ("funds", "name"),
    ("depots", "name"),
    ("groupings", "name"),
)
ROLES = ("planner", "producer", "partner", "logistics", "auditor", "admin")
WIDTHS = {1440: 900, 390: 844}
# The pages a menu leads to, and the first detail page each list links to.
DETAILS = (
    r"/industry/producers/\d+$",
    r"/needs/\d+/edit$",
    r"/funds/\d+/edit$",
    r"/plans/\d+$",
    r"/contracts/\d+$",
)
EXTRA = (
    "/industry/lines",
    "/contracts/guarantees",
    "/contracts/progress",
    "/account/password",
    "/industry/stock",
    "/industry/lines/1/edit",
    "/industry/expansions/1/edit",
    "/industry/producers/1/lines/new",
    "/industry/producers/1/expansions/new",
    "/registry",
    "/users/1/edit",
)
COMMON_UI_WORDS = (
    "Save",
    "Cancel",
    "Error",
    "Overview",
    "Needs",
    "Funds",
    "Plans",
    "Contracts",
    "Ledger",
    "Audit",
    "Users",
    "Log out",
    "Not found",
    "page",
    "of",
    "and",
    "the",
    "month",
    "months",
    "total",
    "none",
)


def english_domain_words() -> set[str]:
    """Words (and phrases) that must never show on a Ukrainian page."""
    words: set[str] = set(COMMON_UI_WORDS)
    for name in dir(vocabulary):
        terms = getattr(vocabulary, name)
        if name.isupper() and isinstance(terms, tuple):
            for term in terms:
                words.add(term)
                words.add(term.replace("_", " "))
    # Too short or shared with codes the pages show as codes (fund kinds 'eu', 'jv', modes).
    return {word for word in words if len(word) > 2 and word not in {"milp"}}


def foreign_words(text: str, words: set[str]) -> list[str]:
    """The English `words` found in `text` (whole words, case-insensitive)."""
    found = []
    for word in sorted(words):
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, flags=re.IGNORECASE):
            found.append(word)
    return found


# What a reader reads in the page's language: not codes, not text marked as another language or
# as typed by people (translate="no": reasons, notes, audit values), not scripts.
VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('script, style, .code, code, [translate=no], [lang=en]')
    .forEach(e => e.remove());
  document.documentElement.appendChild(body);
  const text = body.innerText;
  body.remove();
  return text;
}"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveKuznia]:
    with live_kuznia(tmp_path_factory.mktemp("live-every-page")) as running:
        yield running


def data_names(live: LiveKuznia) -> list[str]:
    """The names the registry holds (producers, organisations, e-mails, items, funds, depots,
    groupings): data, shown as they were entered, longest first."""
    engine = create_engine(live.database_url)
    names: set[str] = set()
    try:
        with engine.connect() as connection:
            for table, column in NAMES:  # a fixed tuple, never input
                rows = connection.execute(text(f"SELECT {column} FROM {table}"))  # noqa: S608
                names |= {str(value) for (value,) in rows if value}
    finally:
        engine.dispose()
    return sorted(names, key=len, reverse=True)


def log_in(page: Page, live: LiveKuznia, role: str, language: str) -> None:
    page.context.add_cookies([{"name": "kuznia_lang", "value": language, "url": live.url}])
    user = live.user(role)
    page.goto(f"{live.url}/login")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(user.password)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/overview$"))


def what_if(page: Page, live: LiveKuznia) -> int:
    """A newer what-if plan started from the Plans page (the demo's plan stays approved)."""
    page.goto(f"{live.url}/plans")
    page.locator("select[name=mode]").select_option("lp")
    page.locator("form[action='/plans'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/plans/\d+$"))
    run_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#shortfalls-heading")).to_be_visible(timeout=90_000)
    return run_id


def pages_of(page: Page, live: LiveKuznia) -> list[str]:
    """The menu's pages, the first detail page each links to, and the extra pages."""
    menu = page.locator("nav.main-nav a")
    paths = []
    for href in menu.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        if href and href.startswith("/") and href not in paths:
            paths.append(href)
    found = list(paths)
    for path in paths:
        page.goto(live.url + path)
        hrefs = page.locator("main a").evaluate_all("a => a.map(l => l.getAttribute('href'))")
        for pattern in DETAILS:
            hit = next((h for h in hrefs if h and re.match(pattern, h.split("?")[0])), None)
            if hit and hit not in found:
                found.append(hit)
    for path in EXTRA:
        if page.goto(live.url + path) and page.url.endswith(path) and path not in found:
            found.append(path)
    return found


def name_of(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root"


def check_page(
    page: Page,
    live: LiveKuznia,
    *,
    role: str,
    language: str,
    path: str,
    shot: set[str],
    words: set[str],
    names: list[str],
) -> list[str]:
    """The problems of one page at each width, taking a screenshot the first time each is seen."""
    problems: list[str] = []
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        key = f"{name_of(path.split('?')[0])}-{language}-{width}"
        if role != "planner" and path in ("/overview", "/ledger"):
            key = f"{role}-{key}"
        if language == "en" and key in shot:
            continue  # English: each page once (the Ukrainian pass checks all)
        page.goto(live.url + path)
        page.wait_for_load_state("load")
        if key not in shot:
            page.screenshot(path=str(SCREENSHOTS / f"{key}.png"), full_page=True)
            shot.add(key)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if width == 390 and overflow > 1:
            problems.append(f"{role} {language} {path}: {overflow} px too wide")
        if language == "uk" and width == 1440:
            shown = page.evaluate(VISIBLE_TEXT)
            for name in names:
                shown = shown.replace(name, " ")
            english = foreign_words(shown, words)
            if english:
                problems.append(f"{role} uk {path}: English {english}")
    return problems


def test_every_page_speaks_ukrainian_and_fits_a_phone(live: LiveKuznia, browser: Browser) -> None:
    words = english_domain_words()
    names = data_names(live)
    problems: list[str] = []
    shot: set[str] = set()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for role in ROLES:
        for language in ("uk", "en"):
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.set_default_timeout(20_000)
            page = context.new_page()
            log_in(page, live, role, language)
            if role == "planner" and language == "uk":
                run_id = what_if(page, live)
                compare = f"/plans/compare?a=1&b={run_id}"
            paths = pages_of(page, live)
            if role == "planner":
                paths.append(compare)
            paths += ["/no-such-page", "/plans/999999"]
            for path in paths:
                problems += check_page(
                    page,
                    live,
                    role=role,
                    language=language,
                    path=path,
                    shot=shot,
                    words=words,
                    names=names,
                )
            context.close()
    assert not problems, "\n".join(problems)


def test_the_word_list_holds_the_vocabulary() -> None:
    words = english_domain_words()

    assert {"armoured vehicles", "rounds", "joint venture", "defensive", "create"} <= words
    assert foreign_words("Категорія: armoured vehicles, 12 rounds", words) == [
        "armoured vehicles",
        "rounds",
        "vehicles",
    ]
    assert foreign_words("бронетехніка, 12 пострілів, art-155-he", words) == []


def test_screenshots_exist_for_both_languages_and_widths() -> None:
    """Run after the test above (same module): the overview in each language and width."""
    for language in ("uk", "en"):
        for width in WIDTHS:
            assert (Path(SCREENSHOTS) / f"overview-{language}-{width}.png").exists()
