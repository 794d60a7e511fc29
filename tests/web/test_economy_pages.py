"""The export and economy pages through a test client on VARIED with one export offer for
art-155 (line l1's item): the proof table shows the run's tiers and cost beside the plan
without export orders, equal; the economy page's regions add up to the plan's spend; a money
curve is drawn and downloaded; partners see their funds' part only; both pages in uk and en."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from kuznia.worker import work_all
from tests.web.conftest import Pages, solve_queued

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFFER = {"code": "x-1", "item": "art-155", "month": 2, "quantity": 5, "price": 5000, "buyer": "PL"}


def _api(pages: Pages, method: str, path: str, **kwargs):  # type: ignore[no-untyped-def]
    token = pages.as_user("planner").cookies["kuznia_session"]
    return pages.anonymous().request(
        method, f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, **kwargs
    )


@pytest.fixture
def run_id(pages: Pages) -> int:
    assert _api(pages, "POST", "/export-orders", json=OFFER).status_code == 201
    # As in tests/api/test_access_matrix.py: the state's cut budget makes fund dk pay line l2.
    (state,) = _api(pages, "GET", "/funds", params={"code": "state"}).json()["items"]
    cut = {"version": state["version"], "budget": {"2026": 100000, "2027": 100000}}
    assert _api(pages, "PATCH", f"/funds/{state['id']}", json=cut).status_code == 200
    for month in (0, 1):
        need = {"item": "fpv", "grouping": "g-east", "month": month, "quantity": 1500}
        body = need | {"operation": "defensive"}
        assert _api(pages, "POST", "/needs", json=body).status_code == 201
    run = pages.start_plan()
    assert solve_queued(pages.engine) == [run]
    return run


def _cells(html: str, table: str) -> list[list[str]]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        for row in rows
    ]


def test_the_exports_page_proves_the_tiers_and_cost_unchanged(pages: Pages, run_id: int) -> None:
    page = pages.as_user("planner").get(f"/exports?run={run_id}")

    assert page.status_code == 200
    proof = _cells(page.text, "proof")[1:]
    assert proof, "a row per tier and the cost"
    for _, with_orders, without in proof:
        assert with_orders == without
    assert [row[0] for row in _cells(page.text, "orders")[1:]] == ["x-1"]
    assert "Surplus by item and month" in page.text


def test_the_economy_pages_regions_add_up_to_the_plans_spend(pages: Pages, run_id: int) -> None:
    economy = _api(pages, "GET", f"/plan-runs/{run_id}/economy").json()
    payments = _api(pages, "GET", f"/plan-runs/{run_id}/payments", params={"limit": 1000}).json()
    spend = sum(p["amount"] for p in payments["items"])

    assert sum(r["spend"] for r in economy["by_region"]) == pytest.approx(spend, rel=1e-9)

    page = pages.as_user("planner").get(f"/economy?run={run_id}")
    assert page.status_code == 200
    assert 'id="region-chart"' in page.text
    assert [row[0] for row in _cells(page.text, "regions")[1:]] == [
        r["region"] for r in economy["by_region"]
    ]


def _ask_curve(pages: Pages, run_id: int, language: str = "en", **form: str) -> str:
    """Ask for a money curve with the economy page's form, let a worker draw it, and give
    the analysis page's address."""
    planner = pages.as_user("planner", language=language)
    values = {"run": str(run_id), "fund": "state", "year": "2026", "maximum": "1", "steps": "2"}
    asked = planner.post("/economy/curve", data=values | form, follow_redirects=False)
    assert asked.status_code == 303, asked.text
    work_all(engine=pages.engine)
    return str(asked.headers["location"])


def test_a_money_curve_is_asked_drawn_and_downloaded(pages: Pages, run_id: int) -> None:
    planner = pages.as_user("planner")
    analysis = _ask_curve(pages, run_id)

    page = planner.get(analysis)
    download = planner.get(f"{analysis}/curve.csv")
    bad = planner.post(
        "/economy/curve",
        data={"run": str(run_id), "fund": "state", "year": "2026", "maximum": "lots"},
    )

    assert page.status_code == 200
    assert 'id="curve-chart"' in page.text
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert download.headers["content-type"].startswith("text/csv")
    assert sorted({float(r["extra"]) for r in rows}) == [0, 500000, 1000000]
    assert bad.status_code == 422
    assert "The curve needs a fund of the run" in bad.text
    assert 'value="lots"' in bad.text


def test_the_money_curve_downloads_as_a_workbook_in_the_pages_language(
    pages: Pages, run_id: int
) -> None:
    analysis = _ask_curve(pages, run_id, language="uk")
    page = pages.as_user("planner", language="uk").get(analysis)
    link = re.search(r'id="curve-xlsx" href="([^"]+)"', page.text)
    assert link is not None
    download = pages.as_user("planner", language="uk").get(link.group(1))
    csv_rows = list(
        csv.DictReader(io.StringIO(pages.as_user("planner").get(f"{analysis}/curve.csv").text))
    )

    assert download.status_code == 200
    assert download.headers["content-type"].startswith(XLSX)
    assert f"money-curve-run{run_id}-state-2026.xlsx" in download.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["Кроки", "За рівнями", "Пояснення"]
    header, *steps = [[c.value for c in row] for row in book["Кроки"].iter_rows()]
    assert header[1] == "Додаткові кошти (USD)"
    assert [row[1] for row in steps] == [0, 500000, 1000000]
    tiers = sorted({int(r["priority"]) for r in csv_rows})
    assert len(header) == 3 + 3 * len(tiers)
    by_tier = [[c.value for c in row] for row in book["За рівнями"].iter_rows(min_row=2)]
    assert [(r[0], r[2], r[4]) for r in by_tier] == [
        (int(r["step"]), int(r["priority"]), float(r["unit_months_short"])) for r in csv_rows
    ]
    assert pages.as_user("partner").get(link.group(1)).status_code in (403, 404)


def test_a_partner_sees_its_funds_part_and_no_exports(pages: Pages, run_id: int) -> None:
    partner = pages.as_user("partner")

    page = partner.get(f"/economy?run={run_id}")

    assert page.status_code == 200
    assert 'id="regions"' not in page.text
    assert 'id="curve-form"' not in page.text
    rows = _cells(page.text, "fund-regions")[1:]
    assert rows
    assert rows[0][0] == "dk"
    assert {row[0] for row in rows[1:]} <= {""}
    assert partner.get(f"/exports?run={run_id}").status_code == 403
    assert 'href="/exports"' not in page.text
    assert 'href="/economy"' in page.text


@pytest.mark.parametrize(
    ("language", "titles"),
    [("en", ("Exports", "Economy")), ("uk", ("Експорт", "Економіка"))],
)
@pytest.mark.usefixtures("run_id")
def test_both_pages_speak_both_languages(
    pages: Pages, language: str, titles: tuple[str, str]
) -> None:
    client = pages.as_user("planner", language=language)
    for path, title in zip(("/exports", "/economy"), titles, strict=True):
        page = client.get(path)
        assert page.status_code == 200
        assert f"<h1>{title}</h1>" in page.text


def test_without_a_finished_plan_the_pages_say_so(pages: Pages) -> None:
    planner = pages.as_user("planner")

    assert "No finished plan yet." in planner.get("/exports").text
    assert "No finished plan yet." in planner.get("/economy").text


def test_a_producers_page_shows_its_employees(pages: Pages) -> None:
    producer_id = pages.record_id("/producers", code="p1")
    (before,) = _api(pages, "GET", "/producers", params={"code": "p1"}).json()["items"]
    changed = _api(
        pages,
        "PATCH",
        f"/producers/{producer_id}",
        json={"version": before["version"], "employees": 1250},
    )
    assert changed.status_code == 200, changed.text

    page = pages.as_user("planner").get(f"/industry/producers/{producer_id}")

    assert re.search(r'<dd id="employees">1,250</dd>', page.text)
