"""Changing the industry on the web: a line's ramp, price and lead time, an expansion, the
stock, through the registry service (versioned and audited as through the API); a producer's
user changes its own lines only, another producer's answers 404 and nothing is written."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest

from kuznia import models
from kuznia.db import session_scope
from tests.web.conftest import Pages
from tests.web.test_pages import field_error
from tests.web.test_security import audit_events


def api(pages: Pages, path: str) -> Any:
    token = pages.as_user("planner").cookies["kuznia_session"]
    return (
        pages.anonymous().get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"}).json()
    )


def line_form(pages: Pages, code: str, **changes: str) -> dict[str, str]:
    """The form of line `code` as the edit page fills it, with `changes`."""
    line = api(pages, f"/lines/{pages.record_id('/lines', code=code)}")
    months = len(line["capacity"]) if isinstance(line["capacity"], list) else 3
    form = {"version": str(line["version"]), "lead_time": str(line["lead_time"])}
    form["min_rate"] = str(line["min_rate"])
    for series in ("capacity", "price"):
        values = line[series] if isinstance(line[series], list) else [line[series]] * months
        form.update({f"{series}.{m}": str(v) for m, v in enumerate(values)})
    return {**form, **changes}


class TestLines:
    def test_a_producer_changes_its_own_line_s_ramp_and_price(self, pages: Pages) -> None:
        line_id = pages.record_id("/lines", code="l1")
        client = pages.as_user("producer")
        page = client.get(f"/industry/lines/{line_id}/edit")
        assert page.status_code == 200
        assert 'name="capacity.2"' in page.text
        before = audit_events(pages)

        response = client.post(
            f"/industry/lines/{line_id}",
            data=line_form(pages, "l1", **{"capacity.1": "260", "price.0": "1 500,5"}),
            follow_redirects=False,
        )

        assert response.status_code == 303, response.text
        assert response.headers["location"].endswith(f"saved={line_id}")
        line = api(pages, f"/lines/{line_id}")
        assert line["capacity"] == [100, 260, 300.0]
        assert line["price"][0] == 1500.5
        assert line["version"] == 2
        assert audit_events(pages) > before

    def test_a_producer_cannot_open_or_change_another_producer_s_line(self, pages: Pages) -> None:
        line_id = pages.record_id("/lines", code="l2")
        form = line_form(pages, "l2", lead_time="9")
        client = pages.as_user("producer")
        before = audit_events(pages)

        assert client.get(f"/industry/lines/{line_id}/edit").status_code == 404
        response = client.post(f"/industry/lines/{line_id}", data=form)

        assert response.status_code == 404
        assert audit_events(pages) == before
        assert api(pages, f"/lines/{line_id}")["lead_time"] != 9

    def test_a_bad_month_is_marked_beside_its_field_and_nothing_is_written(
        self, pages: Pages
    ) -> None:
        line_id = pages.record_id("/lines", code="l2")
        before = audit_events(pages)

        response = pages.as_user("planner").post(
            f"/industry/lines/{line_id}",
            data=line_form(pages, "l2", **{"capacity.1": "lots", "lead_time": "2.5"}),
        )

        assert response.status_code == 422
        assert field_error(response.text, "capacity-1") == (
            "Enter a number, for example 1200 or 12.5."
        )
        assert field_error(response.text, "lead_time") == "Enter a whole number, for example 3."
        assert 'value="lots"' in response.text
        assert audit_events(pages) == before

    def test_a_negative_rate_is_marked_in_the_page_s_language(self, pages: Pages) -> None:
        line_id = pages.record_id("/lines", code="l2")

        response = pages.as_user("planner", language="uk").post(
            f"/industry/lines/{line_id}", data=line_form(pages, "l2", min_rate="-2")
        )

        assert response.status_code == 422
        assert field_error(response.text, "min_rate") == "Введіть 0 або більше."

    def test_a_month_left_empty_is_marked_beside_it(self, pages: Pages) -> None:
        line_id = pages.record_id("/lines", code="l2")
        form = line_form(pages, "l2")
        form = {k: v for k, v in form.items() if k != "price.2"}  # a month left out

        response = pages.as_user("planner").post(f"/industry/lines/{line_id}", data=form)

        assert response.status_code == 422
        assert field_error(response.text, "price-2") == "This field is required."

    def test_a_stale_version_is_refused_above_the_form(self, pages: Pages) -> None:
        line_id = pages.record_id("/lines", code="l2")
        form = line_form(pages, "l2", version="99")

        response = pages.as_user("planner").post(f"/industry/lines/{line_id}", data=form)

        assert response.status_code == 409
        assert "Someone else changed this record" in response.text

    def test_an_auditor_may_not_open_the_form(self, pages: Pages) -> None:
        line_id = pages.record_id("/lines", code="l1")
        assert pages.as_user("auditor").get(f"/industry/lines/{line_id}/edit").status_code == 403


class TestExpansionsAndStock:
    def test_a_planner_changes_an_expansion(self, pages: Pages) -> None:
        expansion_id = pages.record_id("/expansions", code="e1")
        client = pages.as_user("planner")
        assert client.get(f"/industry/expansions/{expansion_id}/edit").status_code == 200

        response = client.post(
            f"/industry/expansions/{expansion_id}",
            data={
                "version": "1",
                "added_capacity": "450",
                "capex": "11000000",
                "start": "1",
                "delay": "2",
            },
            follow_redirects=False,
        )

        assert response.status_code == 303, response.text
        expansion = api(pages, f"/expansions/{expansion_id}")
        assert (expansion["added_capacity"], expansion["start"], expansion["delay"]) == (450, 1, 2)

    def test_another_producer_s_expansion_answers_404(self, pages: Pages) -> None:
        expansion_id = pages.record_id("/expansions", code="e1")
        client = pages.as_user("other_producer")
        assert client.get(f"/industry/expansions/{expansion_id}/edit").status_code == 404

    def test_a_planner_changes_the_stock_of_an_item(self, pages: Pages) -> None:
        stock = api(pages, "/stock?item=fpv")["items"][0]
        client = pages.as_user("planner")

        response = client.post(
            f"/industry/stock/{stock['id']}",
            data={"version": str(stock["version"]), "quantity": "12"},
            follow_redirects=True,
        )

        assert response.status_code == 200
        assert api(pages, f"/stock/{stock['id']}")["quantity"] == 12
        assert 'class="saved"' in response.text

    def test_a_negative_stock_is_marked_beside_the_quantity(self, pages: Pages) -> None:
        stock = api(pages, "/stock?item=fpv")["items"][0]

        response = pages.as_user("planner").post(
            f"/industry/stock/{stock['id']}",
            data={"version": str(stock["version"]), "quantity": "-3"},
        )

        assert response.status_code == 422
        assert field_error(response.text, "quantity") == "Enter 0 or more."

    def test_a_producer_may_not_change_stock(self, pages: Pages) -> None:
        stock = api(pages, "/stock?item=fpv")["items"][0]
        client = pages.as_user("producer")
        response = client.post(
            f"/industry/stock/{stock['id']}", data={"version": "1", "quantity": "1"}
        )
        assert response.status_code == 403


def test_depot_staff_read_the_stock_without_forms(pages: Pages) -> None:
    html = pages.as_user("logistics").get("/industry/stock").text
    assert 'id="stock"' in html
    assert 'class="stock-form"' not in html
    assert 'href="/industry"' not in html.split("<main", 1)[1]  # a page they may not open


def new_line(**changes: str) -> dict[str, str]:
    """The form of a new line of producer p1, with `changes`."""
    form = {"code": "p1-fpv", "item": "fpv", "capacity": "120", "price": "1 500,5"}
    return {**form, "lead_time": "1", "min_rate": "0", **changes}


class TestAddingAndDeletingLines:
    def test_a_producer_adds_a_line_to_its_own_producer(self, pages: Pages) -> None:
        producer_id = pages.record_id("/producers", code="p1")
        client = pages.as_user("producer")
        page = client.get(f"/industry/producers/{producer_id}")
        assert f'href="/industry/producers/{producer_id}/lines/new"' in page.text
        assert client.get(f"/industry/producers/{producer_id}/lines/new").status_code == 200
        before = audit_events(pages)

        response = client.post(
            f"/industry/producers/{producer_id}/lines", data=new_line(), follow_redirects=False
        )

        assert response.status_code == 303, response.text
        line_id = pages.record_id("/lines", code="p1-fpv")
        assert response.headers["location"] == (
            f"/industry/producers/{producer_id}?saved={line_id}"
        )
        line = api(pages, f"/lines/{line_id}")
        assert (line["producer"], line["item"], line["capacity"], line["price"]) == (
            "p1",
            "fpv",
            120,
            1500.5,
        )
        assert (line["lead_time"], line["version"]) == (1, 1)
        assert audit_events(pages) > before

    def test_a_producer_cannot_add_a_line_to_another_producer(self, pages: Pages) -> None:
        other = pages.record_id("/producers", code="p2")
        client = pages.as_user("producer")
        before = audit_events(pages)

        assert client.get(f"/industry/producers/{other}/lines/new").status_code == 404
        response = client.post(f"/industry/producers/{other}/lines", data=new_line())

        assert response.status_code == 404
        assert audit_events(pages) == before

    def test_unreadable_fields_are_marked_and_nothing_is_written(self, pages: Pages) -> None:
        producer_id = pages.record_id("/producers", code="p1")
        client = pages.as_user("planner", language="uk")
        before = audit_events(pages)

        response = client.post(
            f"/industry/producers/{producer_id}/lines",
            data=new_line(code=" ", capacity="lots", item=""),
        )

        assert response.status_code == 422
        assert field_error(response.text, "code") == "Це поле обов’язкове."
        assert field_error(response.text, "item") == "Це поле обов’язкове."
        assert field_error(response.text, "capacity") == ("Введіть число, наприклад 1200 або 12,5.")
        assert 'value="lots"' in response.text
        assert audit_events(pages) == before

    def test_the_format_s_refusal_is_marked_beside_its_field(self, pages: Pages) -> None:
        producer_id = pages.record_id("/producers", code="p1")

        response = pages.as_user("planner").post(
            f"/industry/producers/{producer_id}/lines", data=new_line(item="no-such-item")
        )

        assert response.status_code == 422
        assert "no-such-item" in field_error(response.text, "item")

    @pytest.mark.parametrize(
        ("language", "message"),
        [
            ("en", 'The code "l2" is taken: choose another.'),
            ("uk", "Код «l2» уже зайнятий: виберіть інший."),
        ],
    )
    def test_a_taken_code_is_refused_beside_the_code_in_the_page_s_language(
        self, pages: Pages, language: str, message: str
    ) -> None:
        producer_id = pages.record_id("/producers", code="p1")
        client = pages.as_user("planner", language=language)
        before = audit_events(pages)

        response = client.post(f"/industry/producers/{producer_id}/lines", data=new_line(code="l2"))

        assert response.status_code == 409
        assert field_error(response.text, "code") == message
        assert "exists" not in response.text  # the service's English stays out of the page
        assert 'value="l2"' in response.text
        assert audit_events(pages) == before

    def test_a_line_in_a_queued_plan_run_s_input_is_kept_naming_the_run(self, pages: Pages) -> None:
        producer_id = pages.record_id("/producers", code="p1")
        client = pages.as_user("planner", language="uk")
        client.post(f"/industry/producers/{producer_id}/lines", data=new_line())
        line_id = pages.record_id("/lines", code="p1-fpv")
        run_id = pages.start_plan()  # queued: its input holds the new line
        before = audit_events(pages)

        response = client.post(f"/industry/lines/{line_id}/delete", data={"version": "1"})

        assert response.status_code == 409
        assert "Цю лінію не можна видалити" in response.text
        assert (
            f"Розрахунки планів у черзі або в роботі з цим записом у вхідних даних: {run_id}"
        ) in response.text
        assert audit_events(pages) == before
        assert api(pages, f"/lines/{line_id}")["code"] == "p1-fpv"

    def test_an_auditor_may_not_add_a_line(self, pages: Pages) -> None:
        producer_id = pages.record_id("/producers", code="p1")
        client = pages.as_user("auditor")
        assert client.get(f"/industry/producers/{producer_id}/lines/new").status_code == 403
        assert 'id="add-line"' not in client.get(f"/industry/producers/{producer_id}").text

    def test_a_capacity_beyond_any_float_is_marked_beside_it(self, pages: Pages) -> None:
        """400 nines were a 500 (OverflowError in the record's schema)."""
        producer_id = pages.record_id("/producers", code="p1")
        client = pages.as_user("planner")
        before = audit_events(pages)

        response = client.post(
            f"/industry/producers/{producer_id}/lines", data=new_line(capacity="9" * 400)
        )

        assert response.status_code == 422
        assert field_error(response.text, "capacity") == (
            "This number is too large to store exactly."
        )
        assert audit_events(pages) == before

    def test_a_line_nothing_refers_to_is_deleted(self, pages: Pages) -> None:
        producer_id = pages.record_id("/producers", code="p1")
        client = pages.as_user("producer")
        client.post(f"/industry/producers/{producer_id}/lines", data=new_line())
        line_id = pages.record_id("/lines", code="p1-fpv")
        assert 'action="/industry/lines/' in client.get(f"/industry/lines/{line_id}/edit").text
        before = audit_events(pages)

        response = client.post(
            f"/industry/lines/{line_id}/delete", data={"version": "1"}, follow_redirects=True
        )

        assert response.status_code == 200
        assert str(response.url).endswith(f"/industry/producers/{producer_id}?deleted=1")
        assert "Deleted." in response.text
        assert api(pages, "/lines?code=p1-fpv")["items"] == []
        assert audit_events(pages) == before + 1

    def test_a_line_with_expansions_is_kept_and_they_are_named(self, pages: Pages) -> None:
        line_id = pages.record_id("/lines", code="l1")
        client = pages.as_user("producer")
        before = audit_events(pages)

        response = client.post(f"/industry/lines/{line_id}/delete", data={"version": "1"})

        assert response.status_code == 409
        assert "This line cannot be deleted: other records refer to it." in response.text
        assert "Expansion options on it: e1" in response.text
        assert audit_events(pages) == before
        assert api(pages, f"/lines/{line_id}")["code"] == "l1"

    @pytest.mark.usefixtures("execution")
    def test_a_line_under_contract_is_kept_in_the_page_s_language(self, pages: Pages) -> None:
        line_id = pages.record_id("/lines", code="l2")
        client = pages.as_user("planner", language="uk")
        before = audit_events(pages)

        response = client.post(f"/industry/lines/{line_id}/delete", data={"version": "1"})

        assert response.status_code == 409
        assert "Цю лінію не можна видалити" in response.text
        assert "Контракти на неї: C-2" in response.text
        assert audit_events(pages) == before

    def test_a_line_a_plan_delivers_from_is_kept(self, pages: Pages) -> None:
        line_id = pages.record_id("/lines", code="l2")
        run_id = pages.start_plan()  # queued: its result is written here as a solve would
        with session_scope(pages.engine) as session:
            session.add(
                models.PlanRunDelivery(
                    run_id=run_id, line="l2", producer="p2", item="fpv", month=1,
                    quantity=40.0, price=10.0, value=400.0,
                )
            )  # fmt: skip

        response = pages.as_user("planner").post(
            f"/industry/lines/{line_id}/delete", data={"version": "1"}
        )

        assert response.status_code == 409
        assert f"Plan runs that use it: {run_id}" in response.text

    def test_a_stale_version_is_refused(self, pages: Pages) -> None:
        producer_id = pages.record_id("/producers", code="p1")
        client = pages.as_user("planner")
        client.post(f"/industry/producers/{producer_id}/lines", data=new_line())
        line_id = pages.record_id("/lines", code="p1-fpv")

        response = client.post(f"/industry/lines/{line_id}/delete", data={"version": "7"})

        assert response.status_code == 409
        assert "Someone else changed this record" in response.text
        assert api(pages, f"/lines/{line_id}")["code"] == "p1-fpv"

    @pytest.mark.parametrize("action", ["delete", "change"])
    def test_a_version_that_is_no_number_is_a_field_error_not_a_clash(
        self, pages: Pages, action: str
    ) -> None:
        """A version "abc" was answered as if someone else had changed the line (409)."""
        line_id = pages.record_id("/lines", code="l1")
        path = f"/industry/lines/{line_id}" + ("/delete" if action == "delete" else "")
        form = line_form(pages, "l1", version="abc", lead_time="4")
        before = audit_events(pages)

        response = pages.as_user("planner").post(path, data=form)

        assert response.status_code == 422
        assert (
            'The form names the record\'s version as "abc", which is not a version number.'
            in unescape(response.text)
        )
        assert "Someone else changed this record" not in response.text
        assert audit_events(pages) == before
        assert api(pages, f"/lines/{line_id}")["lead_time"] != 4

    def test_a_producer_cannot_delete_another_producer_s_line(self, pages: Pages) -> None:
        line_id = pages.record_id("/lines", code="l2")
        response = pages.as_user("producer").post(
            f"/industry/lines/{line_id}/delete", data={"version": "1"}
        )
        assert response.status_code == 404


class TestAddingAndDeletingExpansions:
    def test_a_producer_adds_an_expansion_to_its_line_and_deletes_it(self, pages: Pages) -> None:
        producer_id = pages.record_id("/producers", code="p1")
        client = pages.as_user("producer")
        assert 'id="add-expansion"' in client.get(f"/industry/producers/{producer_id}").text
        form = client.get(f"/industry/producers/{producer_id}/expansions/new?line=l1")
        assert '<option value="l1" selected>' in form.text
        assert '<option value="l2"' not in form.text  # another producer's line

        response = client.post(
            f"/industry/producers/{producer_id}/expansions",
            data={
                "code": "p1-e9",
                "line": "l1",
                "added_capacity": "50",
                "capex": "2 000 000",
                "start": "0",
                "delay": "2",
            },
            follow_redirects=False,
        )

        assert response.status_code == 303, response.text
        expansion_id = pages.record_id("/expansions", code="p1-e9")
        expansion = api(pages, f"/expansions/{expansion_id}")
        assert (expansion["line"], expansion["capex"], expansion["delay"]) == ("l1", 2000000, 2)

        deleted = client.post(
            f"/industry/expansions/{expansion_id}/delete",
            data={"version": "1"},
            follow_redirects=False,
        )

        assert deleted.status_code == 303
        assert deleted.headers["location"] == f"/industry/producers/{producer_id}?deleted=1"
        assert api(pages, "/expansions?code=p1-e9")["items"] == []

    def test_a_taken_code_is_refused_beside_the_code(self, pages: Pages) -> None:
        producer_id = pages.record_id("/producers", code="p1")

        response = pages.as_user("producer").post(
            f"/industry/producers/{producer_id}/expansions",
            data={"code": "e1", "line": "l1", "added_capacity": "1", "capex": "1"}
            | {"start": "0", "delay": "0"},
        )

        assert response.status_code == 409
        assert field_error(response.text, "code") == 'The code "e1" is taken: choose another.'

    @pytest.mark.parametrize("line", ["l2", "no-such-line"])
    def test_another_producer_s_line_is_refused_as_no_line(self, pages: Pages, line: str) -> None:
        """l2 is Producer Two's: Producer One is told what it would be told of a code no line
        has, so it cannot learn which codes exist elsewhere."""
        producer_id = pages.record_id("/producers", code="p1")
        client = pages.as_user("producer")
        before = audit_events(pages)

        response = client.post(
            f"/industry/producers/{producer_id}/expansions",
            data={"code": "x", "line": line, "added_capacity": "1", "capex": "1"}
            | {"start": "0", "delay": "0"},
        )

        assert response.status_code == 422
        assert field_error(response.text, "line") == f'There is no line "{line}".'
        assert audit_events(pages) == before

    def test_an_expansion_a_plan_chose_is_kept(self, pages: Pages) -> None:
        expansion_id = pages.record_id("/expansions", code="e1")
        run_id = pages.start_plan()  # queued: its result is written here as a solve would
        with session_scope(pages.engine) as session:
            session.add(
                models.PlanRunExpansion(
                    run_id=run_id, expansion="e1", line="l1", level=1.0, capex=1.0,
                    active_from=2,
                )
            )  # fmt: skip

        response = pages.as_user("planner").post(
            f"/industry/expansions/{expansion_id}/delete", data={"version": "1"}
        )

        assert response.status_code == 409
        assert "This expansion option cannot be deleted: plans chose it." in response.text
        assert f"Plan runs that use it: {run_id}" in response.text
