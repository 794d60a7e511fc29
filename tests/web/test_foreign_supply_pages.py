"""The foreign-supply page of the ledger section, on VARIED (start 2026-11; the registry
expects 5000 art-155 from abroad in 2026-12 and 12.5 fpv in 2027-01) and the execution world
(depot d-north run by the logistics user's organisation, d-south by nobody): a depot's staff
record a foreign delivery on arrival at their depot, it adds to the depot's stock and shows
against what was expected per item and supplier country; planners and auditors read it;
producers and partners do not."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from kuznia import models
from kuznia.db import session_scope
from tests.web.conftest import Execution, Pages
from tests.web.test_security import field_error

PATH = "/ledger/foreign-supply"
ARRIVAL = {"depot": "d-north", "country": "pl", "item": "art-155", "day": "2026-12-01"}


def _record(pages: Pages, **changes: str):  # type: ignore[no-untyped-def]
    client = pages.as_user("logistics")
    form = re.search(r'name="client_key" value="([^"]+)"', client.get(PATH).text)
    assert form is not None
    data = {"client_key": form.group(1), **ARRIVAL, "quantity": "300", "note": "", **changes}
    return client.post(PATH, data=data, follow_redirects=False)


def _stock(pages: Pages, depot: str, item: str) -> float:
    token = pages.as_user("planner").cookies["kuznia_session"]
    response = pages.anonymous().get(
        "/api/v1/depot-stock",
        params={"depot": depot, "item": item},
        headers={"Authorization": f"Bearer {token}"},
    )
    return sum(row["quantity"] for row in response.json()["items"])


def _row(html: str, table: str, key: str) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    row = body.split(f'data-item="{key}"', 1)[1].split("</tr>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", cell).replace("\xa0", " ").strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
    ]


@pytest.mark.usefixtures("execution")
class TestRecording:
    def test_a_depot_records_a_delivery_on_arrival_and_it_adds_to_stock(self, pages: Pages) -> None:
        before = _stock(pages, "d-north", "art-155")

        answer = _record(pages)

        assert answer.status_code == 303
        assert re.fullmatch(rf"{PATH}\?saved=\d+#latest", answer.headers["location"])
        assert _stock(pages, "d-north", "art-155") == before + 300
        page = pages.as_user("logistics").get(answer.headers["location"])
        assert "The foreign delivery is recorded and added to the depot&#39;s stock." in page.text
        latest = page.text.split('id="foreign-latest"', 1)[1].split("</table>", 1)[0]
        assert 'class="saved"' in latest
        assert "Poland (PL)" in latest  # the country written in full, upper-cased

    def test_the_form_sent_twice_records_once(self, pages: Pages) -> None:
        client = pages.as_user("logistics")
        key = re.search(r'name="client_key" value="([^"]+)"', client.get(PATH).text)
        assert key is not None
        data = {"client_key": key.group(1), **ARRIVAL, "quantity": "40"}

        first = client.post(PATH, data=data, follow_redirects=False)
        second = client.post(PATH, data=data, follow_redirects=False)

        assert first.status_code == second.status_code == 303
        assert second.headers["location"] == first.headers["location"].replace(
            "#latest", "&again=1#latest"
        )
        assert _stock(pages, "d-north", "art-155") == 40
        changed = client.post(PATH, data={**data, "quantity": "41"}, follow_redirects=False)
        assert changed.status_code == 409
        assert "This form was sent before with other values" in changed.text

    @pytest.mark.parametrize(
        ("changes", "field", "message", "status"),
        [
            ({"country": "Poland"}, "country", "two-letter code", 422),
            ({"quantity": "0"}, "quantity", "Enter a quantity above 0.", 422),
            ({"quantity": "2.5"}, "quantity", "Enter a whole number", 422),
            ({"day": "2099-01-01"}, "day", "The day is in the future", 422),
            ({"item": "no-such"}, "item", "Choose an item of the registry.", 422),
            ({"depot": "d-south"}, "depot", "not one of your organisation&#39;s depots", 404),
        ],
    )
    def test_bad_input_is_said_next_to_its_field_and_records_nothing(
        self, pages: Pages, changes: dict[str, str], field: str, message: str, status: int
    ) -> None:
        answer = _record(pages, **changes)

        assert answer.status_code == status
        assert message in field_error(answer.text, f"foreign-{field}")
        assert _stock(pages, "d-north", "art-155") == 0
        assert _stock(pages, "d-south", "art-155") == 0


@pytest.mark.usefixtures("execution")
class TestReading:
    def test_expected_against_arrived_per_item_and_country_with_units(self, pages: Pages) -> None:
        assert _record(pages, quantity="300").status_code == 303
        assert _record(pages, country="DE", quantity="200").status_code == 303
        assert _record(pages, item="fpv", country="FI", quantity="5").status_code == 303

        page = pages.as_user("planner").get(f"{PATH}?as_of=2026-12-31")

        assert page.status_code == 200
        # 2026-12 is month 1: art-155's 5000 expected; fpv's 12.5 is due in 2027-01
        assert _row(page.text, "foreign-by-item", "art-155") == [
            "155 mm round art-155",
            "5,000 pcs",
            "500 pcs",
            "-4,500 pcs",
            "—",
            "Germany (DE), Poland (PL)",
        ]
        assert _row(page.text, "foreign-by-item", "fpv") == [
            "FPV drone fpv",
            "0 pcs",
            "5 pcs",
            "5 pcs",
            "—",
            "Finland (FI)",
        ]
        by_country = page.text.split('id="foreign-by-country"', 1)[1].split("</table>", 1)[0]
        assert [
            re.sub(r"<[^>]+>", "", c)
            for c in re.findall(r"<th scope=\"row\">(.*?)</th>", by_country)
        ] == [
            "Finland (FI)",
            "Germany (DE)",
            "Poland (PL)",
        ]
        assert "Record a foreign delivery" not in page.text  # planners read; depots record

    def test_the_supplier_country_the_registry_expects_is_shown_beside_the_arrivals(
        self, pages: Pages
    ) -> None:
        with session_scope(pages.engine) as session:
            session.execute(update(models.ForeignSupply).values(supplier_country="PL"))

        page = pages.as_user("planner", language="uk").get(f"{PATH}?as_of=2026-12-31")

        assert _row(page.text, "foreign-by-item", "art-155")[4] == "Польща (PL) 5 000 шт."

    def test_an_earlier_day_counts_only_what_had_arrived(self, pages: Pages) -> None:
        assert _record(pages).status_code == 303

        page = pages.as_user("auditor").get(f"{PATH}?as_of=2026-11-30")

        # 2026-11 is month 0: nothing expected yet, and the delivery came on 2026-12-01
        assert 'id="foreign-by-item"' not in page.text
        assert "No foreign supply is expected or has arrived up to this day." in page.text
        assert 'id="foreign-latest"' in page.text  # the arrivals list is not bound to the day

    def test_in_ukrainian_countries_and_units_are_ukrainian(self, pages: Pages) -> None:
        assert _record(pages, item="fpv", quantity="5").status_code == 303

        page = pages.as_user("planner", language="uk").get(f"{PATH}?as_of=2026-12-31")

        assert "<h1>Іноземні постачання</h1>" in page.text
        assert _row(page.text, "foreign-by-item", "fpv")[2:] == [
            "5 шт.",
            "5 шт.",
            "—",
            "Польща (PL)",
        ]

    def test_the_ledger_links_to_it(self, pages: Pages) -> None:
        assert f'href="{PATH}"' in pages.as_user("logistics").get("/ledger").text


@pytest.mark.parametrize("user", ["producer", "partner"])
def test_producers_and_partners_get_403(pages: Pages, user: str) -> None:
    assert pages.as_user(user).get(PATH).status_code == 403


@pytest.mark.parametrize("user", ["planner", "auditor", "producer"])
def test_only_depot_staff_record(pages: Pages, execution: Execution, user: str) -> None:
    del execution
    answer = pages.as_user(user).post(
        PATH, data={**ARRIVAL, "quantity": "5", "client_key": "k" * 32}, follow_redirects=False
    )

    assert answer.status_code == 403
    assert _stock(pages, "d-north", "art-155") == 0
