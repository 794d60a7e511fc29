"""Screenshots of the Exports and Economy pages (and a money curve) in English and Ukrainian,
into out/screenshots/: a live Kuznia on the `small` data set (tests/web/live.py: the execution
demo solves a plan with its export offers) and Chromium through Playwright.

    PYTHONPATH=src python scripts/screenshot_exports.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.web.live import live_kuznia

OUT = Path("out/screenshots")
PAGES = {
    "exports": "/exports",
    "economy": "/economy",
    "money-curve": "/economy?fund=state-budget&year=2026&maximum=200&steps=4#curve-heading",
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory, live_kuznia(Path(directory)) as live:
        user = live.user("planner")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
            for language in ("en", "uk"):
                context = browser.new_context(
                    locale=language, viewport={"width": 1280, "height": 900}
                )
                page = context.new_page()
                page.goto(f"{live.url}/login")
                page.locator("#f-email, input[name=email]").first.fill(user.email)
                page.locator("input[name=password]").first.fill(user.password)
                page.locator("form button[type=submit]").first.click()
                page.wait_for_url("**/overview**")
                for name, path in PAGES.items():
                    page.goto(live.url + path, timeout=120_000)
                    page.wait_for_timeout(1500)  # Plotly draws after load
                    target = OUT / f"{name}-{language}.png"
                    page.screenshot(path=str(target), full_page=name != "money-curve")
                    print(target)
                context.close()
            browser.close()


if __name__ == "__main__":
    main()
