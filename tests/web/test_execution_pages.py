"""The execution pages through a test client: contracts and guarantees (lists, a contract's
page, signing, completing, terminating, approving a plan), the daily ledger (receipts,
dispatches and reversals with their client keys and the service's refusals next to the
fields), plan versus actual, and the audit chain with its Verify button.

The world is tests/web/conftest.py's `execution`: depot d-north (the logistics user's), depot
d-south (nobody's), contracts C-1 (p1, signed), C-2 (p2, paid by fund dk, signed) and C-3 (p1,
a draft). Days are in November 2026, the horizon of VARIED.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

import pytest
from sqlalchemy import text

from kuznia.web.session import SESSION_COOKIE
from tests.contracts.conftest import finished_run
from tests.web.conftest import Execution, Pages
from tests.web.test_pages import field_error

DAY = "2026-11-05"


def api(pages: Pages, user: str, path: str, **params: Any) -> Any:
    """What the API answers `user` (logged in on the pages) for GET `path`."""
    token = pages.as_user(user).cookies[SESSION_COOKIE]
    response = pages.anonymous().get(
        f"/api/v1{path}", params=params, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def events(pages: Pages, **filters: str) -> int:
    """How many audit events match `filters`."""
    return int(api(pages, "auditor", "/audit/events", limit=1, **filters)["total"])


def receipt(
    pages: Pages,
    contract: int | str,
    *,
    key: str = "r-1",
    received: str = "40",
    accepted: str = "40",
    rejected: str = "0",
    reason: str = "",
    depot: str = "d-north",
    user: str = "logistics",
) -> Any:
    """Send the receipt form as `user`."""
    return pages.as_user(user).post(
        "/ledger/receipts",
        data={
            "client_key": key, "depot": depot, "contract_id": str(contract), "day": DAY,
            "lot": "L-7", "received": received, "accepted": accepted, "rejected": rejected,
            "reason": reason, "view_day": DAY, "view_depot": "",
        },
        follow_redirects=False,
    )  # fmt: skip


def dispatch(pages: Pages, *, key: str = "d-1", quantity: str = "30", item: str = "art-155") -> Any:
    """Send the dispatch form as the depot's user."""
    return pages.as_user("logistics").post(
        "/ledger/dispatches",
        data={
            "client_key": key, "depot": "d-north", "item": item, "grouping": "g-east",
            "day": DAY, "quantity": quantity, "note": "", "view_day": DAY,
        },
        follow_redirects=False,
    )  # fmt: skip


def stock_row(html: str, depot: str, item: str) -> tuple[str, str]:
    """The stock table's row of a depot and item: at the end of the day shown, and now."""
    found = re.search(
        rf'<tr data-depot="{depot}" data-item="{item}">.*?<td class="num">([^<]*)</td>'
        r'<td class="num">([^<]*)</td></tr>',
        html,
    )
    assert found, f"no stock row for {depot}/{item}"
    return found.group(1), found.group(2)


def notice(html: str) -> str:
    """The text of the page's success notice."""
    found = re.search(r'<div class="notice success"[^>]*>\s*<p>(.*?)</p>', html, re.S)
    assert found, "no success notice"
    return " ".join(unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


class TestContractLists:
    def test_a_planner_sees_every_contract_and_filters_by_status(
        self, pages: Pages, execution: Execution
    ) -> None:
        client = pages.as_user("planner")

        every = client.get("/contracts").text
        drafts = client.get("/contracts?status=draft").text

        assert "Contracts: 3" in every
        assert "Contracts: 1" in drafts
        assert f'<a href="/contracts/{execution.c3}">C-3</a>' in drafts

    def test_with_no_contracts_a_planner_is_told_to_approve_a_plan(self, pages: Pages) -> None:
        html = pages.as_user("planner").get("/contracts").text

        assert "No contracts yet: approve a finished plan on the Plans page." in html
        assert '<a href="/plans">Go to Plans</a>' in html

    def test_a_producer_sees_its_own_contracts_and_not_another_s(
        self, pages: Pages, execution: Execution
    ) -> None:
        client = pages.as_user("producer")

        html = client.get("/contracts").text
        other = client.get(f"/contracts/{execution.c2}")

        assert "Contracts: 2" in html
        assert ">C-1</a>" in html
        assert ">C-3</a>" in html
        assert ">C-2</a>" not in html
        assert other.status_code == 404
        assert "<h1>Not found</h1>" in other.text

    def test_a_partner_sees_the_contracts_its_funds_pay(
        self, pages: Pages, execution: Execution
    ) -> None:
        client = pages.as_user("partner")

        html = client.get("/contracts").text
        page = client.get(f"/contracts/{execution.c2}").text

        assert "Contracts: 1" in html
        assert ">C-2</a>" in html
        assert "What your funds pay" in page
        assert client.get(f"/contracts/{execution.c1}").status_code == 404


class TestContractPage:
    def test_it_shows_the_schedule_against_what_was_accepted(
        self, pages: Pages, execution: Execution
    ) -> None:
        receipt(pages, execution.c1, received="40", accepted="40")

        html = pages.as_user("planner").get(f"/contracts/{execution.c1}").text
        (report,) = [
            row
            for row in api(
                pages,
                "planner",
                "/reports/plan-vs-actual",
                as_of=datetime.now(UTC).date().isoformat(),
            )["contracts"]
            if row["contract_id"] == execution.c1
        ]

        november = re.search(
            r"<th scope=\"row\" class=\"nowrap\">Nov 2026</th>(.*?)</tr>", html, re.S
        )
        assert november is not None
        cells = re.findall(r'<td class="num">([^<]*)</td>', november.group(1))
        # every quantity with its unit (art-155 is counted in pieces in the VARIED registry)
        assert cells == ["300\xa0pcs", "40\xa0pcs", "400\xa0pcs", "40\xa0pcs"]
        assert report["accepted_to_date"] == 40
        assert '<h3>Accepted at the depots</h3><p class="big">40\xa0pcs</p>' in html
        assert "Version 1" in html
        assert "approved for the tests" in html
        assert "state" in html
        assert "Funding per fund and year" in html

    def test_an_amendment_shows_as_a_new_version_with_its_reason(
        self, pages: Pages, execution: Execution
    ) -> None:
        token = pages.as_user("planner").cookies[SESSION_COOKIE]
        amended = pages.anonymous().post(
            f"/api/v1/contracts/{execution.c1}/amendments",
            headers={"Authorization": f"Bearer {token}"},
            json={"version": 1, "reason": "line l1 down for two weeks",
                  "deliveries": [{"month": "2026-12", "quantity": 700, "price": 100}]},
        )  # fmt: skip
        assert amended.status_code in (200, 201), amended.text

        html = pages.as_user("planner").get(f"/contracts/{execution.c1}").text

        assert "Version 2" in html
        assert "line l1 down for two weeks" in html
        assert "<dd>2 of 2</dd>" in html


class TestContractActions:
    def test_a_planner_signs_a_draft(self, pages: Pages, execution: Execution) -> None:
        client = pages.as_user("planner")

        response = client.post(
            f"/contracts/{execution.c3}/sign", data={"version": "1"}, follow_redirects=False
        )
        html = client.get(response.headers["location"]).text

        assert response.headers["location"] == f"/contracts/{execution.c3}?done=sign"
        assert "The contract is signed." in html
        assert '<span class="status status-signed">signed</span>' in html

    def test_a_double_click_on_sign_signs_once(self, pages: Pages, execution: Execution) -> None:
        client = pages.as_user("planner")
        path = f"/contracts/{execution.c3}/sign"

        first = client.post(path, data={"version": "1"}, follow_redirects=False)
        second = client.post(path, data={"version": "1"}, follow_redirects=False)

        assert (first.status_code, second.status_code) == (303, 303)
        assert events(pages, entity="contracts", action="sign") == 1

    def test_a_change_made_meanwhile_is_said_and_nothing_is_overwritten(
        self, pages: Pages, execution: Execution
    ) -> None:
        client = pages.as_user("planner")
        client.post(f"/contracts/{execution.c3}/sign", data={"version": "1"})

        response = client.post(
            f"/contracts/{execution.c3}/terminate", data={"version": "1", "reason": "duplicate"}
        )

        assert response.status_code == 409
        assert "Someone else changed this record after you opened it." in response.text
        assert api(pages, "planner", f"/contracts/{execution.c3}")["status"] == "signed"

    def test_terminating_needs_a_reason_next_to_its_field(
        self, pages: Pages, execution: Execution
    ) -> None:
        response = pages.as_user("planner").post(
            f"/contracts/{execution.c1}/terminate", data={"version": "1", "reason": " "}
        )

        assert response.status_code == 422
        assert field_error(response.text, "reason") == "Say why the contract is terminated."

    def test_completing_a_contract_not_in_delivery_says_why(
        self, pages: Pages, execution: Execution
    ) -> None:
        response = pages.as_user("planner").post(
            f"/contracts/{execution.c1}/complete", data={"version": "1"}
        )

        assert response.status_code == 409
        assert "Only a contract in delivery can be completed; this one is signed now." in (
            response.text
        )

    def test_a_producer_may_not_sign(self, pages: Pages, execution: Execution) -> None:
        response = pages.as_user("producer").post(
            f"/contracts/{execution.c3}/sign", data={"version": "1"}
        )

        assert response.status_code == 403


class TestProductionReports:
    def output(self, pages: Pages, contract: int, *, key: str = "o-1", quantity: str = "25") -> Any:
        return pages.as_user("producer").post(
            f"/contracts/{contract}/production",
            data={"client_key": key, "day": DAY,
                  "quantity": quantity, "lot": "B-3", "note": ""},
            follow_redirects=False,
        )  # fmt: skip

    def test_a_producer_reports_output_from_its_contract_s_page(
        self, pages: Pages, execution: Execution
    ) -> None:
        page = pages.as_user("producer").get(f"/contracts/{execution.c1}").text

        response = self.output(pages, execution.c1)
        html = pages.as_user("producer").get(response.headers["location"]).text

        assert '<label for="f-production-quantity">Quantity</label>' in page
        assert response.headers["location"] == f"/contracts/{execution.c1}?done=reported"
        assert "The output is reported." in html
        reports = api(pages, "producer", "/production-reports")["items"]
        assert [(r["contract_id"], r["quantity"], r["lot"]) for r in reports] == [
            (execution.c1, 25.0, "B-3")
        ]

    def test_the_form_sent_twice_records_once(self, pages: Pages, execution: Execution) -> None:
        self.output(pages, execution.c1)
        second = self.output(pages, execution.c1)

        assert second.headers["location"] == f"/contracts/{execution.c1}?done=reported-again"
        assert api(pages, "producer", "/production-reports")["total"] == 1

    def test_a_quantity_that_is_not_a_number_is_said_next_to_the_field(
        self, pages: Pages, execution: Execution
    ) -> None:
        response = self.output(pages, execution.c1, quantity="lots")

        assert response.status_code == 422
        assert field_error(response.text, "production-quantity")
        assert api(pages, "producer", "/production-reports")["total"] == 0

    def test_only_a_producer_on_a_contract_taking_deliveries_gets_the_form(
        self, pages: Pages, execution: Execution
    ) -> None:
        draft = pages.as_user("producer").get(f"/contracts/{execution.c3}").text
        planner = pages.as_user("planner").get(f"/contracts/{execution.c1}").text

        assert "Report output" not in draft
        assert "Report output" not in planner


class TestApproval:
    def test_a_finished_plan_is_approved_from_its_page(self, pages: Pages) -> None:
        client = pages.as_user("planner")
        run_id = finished_run(pages.engine)  # l1 and l2 deliver in each of the 3 months
        form = client.get(f"/plans/{run_id}").text

        response = client.post(
            f"/plans/{run_id}/approve",
            data={"firm_months": "1", "guarantee_share": "50"},
            follow_redirects=False,
        )
        listed = client.get(response.headers["location"]).text
        contracts = api(pages, "planner", "/contracts", plan_run_id=run_id)["total"]
        guarantees = api(pages, "planner", "/guarantees", plan_run_id=run_id)["items"]

        assert '<label for="f-firm_months">Firm months</label>' in form
        assert response.headers["location"] == f"/contracts?plan={run_id}&approved={run_id}"
        assert (contracts, len(guarantees)) == (2, 2)
        assert notice(listed) == (
            f"Plan {run_id} is approved: 2 draft contracts and 2 guarantees. Open a contract "
            "to sign it."
        )
        assert "This plan is approved: 2 contracts and 2 guarantees." in (
            client.get(f"/plans/{run_id}").text
        )
        # half of l1's 200 + 300 rounds after the first month
        assert '<td class="num">250\xa0pcs</td>' in client.get("/contracts/guarantees").text

    def test_the_overview_follows_the_approved_plan_and_names_a_newer_what_if(
        self, pages: Pages
    ) -> None:
        client = pages.as_user("planner")
        approved = finished_run(pages.engine)
        approval = client.post(
            f"/plans/{approved}/approve",
            data={"firm_months": "1", "guarantee_share": "50"},
            follow_redirects=False,
        )
        what_if = finished_run(pages.engine)

        html = client.get("/overview").text

        assert approval.status_code == 303, approval.text[-500:]
        assert "<h2>Approved plan</h2>" in html
        assert f'<p class="big"><a href="/plans/{approved}">Plan {approved}</a></p>' in html
        assert (
            '<p class="what-if"><span class="pill">what-if</span> A newer plan, not approved: '
            f'<a href="/plans/{what_if}">Plan {what_if}</a></p>'
        ) in html

    def test_a_planner_signs_a_guarantee_from_the_list_once(self, pages: Pages) -> None:
        client = pages.as_user("planner")
        run_id = finished_run(pages.engine)
        client.post(f"/plans/{run_id}/approve", data={"firm_months": "1", "guarantee_share": "50"})
        first = api(pages, "planner", "/guarantees", plan_run_id=run_id)["items"][0]
        path = f"/contracts/guarantees/{first['id']}/sign"

        signed = client.post(path, data={"version": "1"}, follow_redirects=False)
        again = client.post(path, data={"version": "1"}, follow_redirects=False)

        assert signed.headers["location"] == again.headers["location"]
        assert notice(client.get(signed.headers["location"]).text) == "The guarantee is signed."
        assert api(pages, "planner", f"/guarantees/{first['id']}")["status"] == "signed"
        assert events(pages, entity="guarantees", action="sign") == 1
        assert "Sign guarantee" not in pages.as_user("producer").get("/contracts/guarantees").text

    def test_values_out_of_range_are_said_next_to_their_fields(self, pages: Pages) -> None:
        run_id = finished_run(pages.engine)

        response = pages.as_user("planner").post(
            f"/plans/{run_id}/approve", data={"firm_months": "9", "guarantee_share": "0"}
        )

        assert response.status_code == 422
        assert field_error(response.text, "firm_months") == (
            "Enter a whole number of months from 0 to 3 (the plan's horizon)."
        )
        assert field_error(response.text, "guarantee_share") == (
            "Enter a share above 0 and at most 100."
        )
        assert api(pages, "planner", "/contracts", plan_run_id=run_id)["total"] == 0


class TestLedger:
    def test_depot_staff_record_a_receipt_and_see_it_with_the_stock(
        self, pages: Pages, execution: Execution
    ) -> None:
        client = pages.as_user("logistics")
        form = client.get(f"/ledger?day={DAY}").text

        response = receipt(pages, execution.c1, received="45", accepted="40", rejected="5",
                           reason="two crates wet")  # fmt: skip
        html = client.get(response.headers["location"]).text

        assert '<label for="f-receipt-contract_id">Contract number</label>' in form
        assert re.search(r'name="client_key" value="[0-9a-f]{32}"', form)
        assert response.status_code == 303
        assert notice(html) == "The receipt is recorded."
        assert "Receipts and acceptance: 1" in html
        assert "two crates wet" in html
        assert stock_row(html, "d-north", "art-155") == ("40", "40")
        assert api(pages, "planner", f"/contracts/{execution.c1}")["status"] == "in_delivery"

    def test_the_receipt_form_offers_the_contracts_open_for_delivery(
        self, pages: Pages, execution: Execution
    ) -> None:
        form = pages.as_user("logistics").get(f"/ledger?day={DAY}").text

        offered = re.findall(
            r'<option value="([^"]+)" data-id="(\d+)" data-item="([^"]+)">([^<]+)</option>', form
        )

        # C-1 and C-2 are signed; C-3 is a draft and takes no receipt. Each names the depots
        # of the user's that receive it (decision 0010): Depot North's user runs d-north.
        assert [(n, int(i), item, unescape(text)) for n, i, item, text in offered] == [
            ("C-1", execution.c1, "art-155", "C-1 · p1 · 155 mm round → d-north"),
            ("C-2", execution.c2, "fpv", "C-2 · p2 · FPV drone → d-north"),
        ]

    @pytest.mark.usefixtures("execution")
    def test_the_dispatch_form_offers_what_the_depot_holds_with_the_quantity(
        self, pages: Pages
    ) -> None:
        empty = pages.as_user("logistics").get(f"/ledger?day={DAY}").text
        receipt(pages, "C-2", key="r-fpv", received="12", accepted="12")

        form = pages.as_user("logistics").get(f"/ledger?day={DAY}").text
        select = form.split('id="f-dispatch-item"')[1].split("</select>")[0]

        assert '<option value="">nothing in stock</option>' in empty
        assert re.findall(r'<optgroup label="([^"]+)">', select) == ["D North (d-north)"]
        assert [
            unescape(o) for o in re.findall(r'<option value="fpv">([^<]+)</option>', select)
        ] == ["FPV drone (fpv) · 12\u00a0pcs"]
        assert 'value="art-155"' not in select

    def test_a_receipt_names_its_contract_by_the_number_on_the_papers(
        self, pages: Pages, execution: Execution
    ) -> None:
        by_number = receipt(pages, "C-2", key="r-number", received="12", accepted="12")
        unknown = receipt(pages, "K-9-x", key="r-unknown")

        assert by_number.status_code == 303
        (recorded,) = api(pages, "logistics", "/receipts")["items"]
        assert (recorded["contract_id"], recorded["accepted"]) == (execution.c2, 12)
        assert unknown.status_code == 422
        assert field_error(unknown.text, "receipt-contract_id") == (
            "No contract is numbered K-9-x: enter the number on the delivery papers (or the "
            "contract's id)."
        )

    def test_a_form_sent_twice_with_its_key_records_once(
        self, pages: Pages, execution: Execution
    ) -> None:
        first = receipt(pages, execution.c1, key="same-key")
        second = receipt(pages, execution.c1, key="same-key")
        html = pages.as_user("logistics").get(second.headers["location"]).text

        assert (first.status_code, second.status_code) == (303, 303)
        assert "again=1" in second.headers["location"]
        assert "This form had been sent already: it is recorded once." in html
        assert api(pages, "logistics", "/receipts")["total"] == 1
        assert stock_row(html, "d-north", "art-155") == ("40", "40")

    def test_a_key_used_for_other_values_is_refused_and_renewed(
        self, pages: Pages, execution: Execution
    ) -> None:
        receipt(pages, execution.c1, key="k")

        response = receipt(pages, execution.c1, key="k", received="41", accepted="41")

        assert response.status_code == 409
        assert "This form was sent before with other values" in response.text
        assert 'name="client_key" value="k"' not in response.text
        assert api(pages, "logistics", "/receipts")["total"] == 1

    def test_a_rejection_needs_a_reason_and_the_sum_must_add_up(
        self, pages: Pages, execution: Execution
    ) -> None:
        response = receipt(pages, execution.c1, received="50", accepted="40", rejected="5")

        assert response.status_code == 422
        assert field_error(response.text, "receipt-reason") == "Say why some was rejected."
        assert field_error(response.text, "receipt-received") == (
            "Received must be accepted plus rejected: 45.00."
        )
        assert 'value="50"' in response.text  # what was typed stays
        assert api(pages, "logistics", "/receipts")["total"] == 0

    def test_a_draft_contract_takes_no_receipt(self, pages: Pages, execution: Execution) -> None:
        response = receipt(pages, execution.c3)

        assert response.status_code == 409
        assert "contract C-3 is draft" in field_error(response.text, "receipt-contract_id")

    def test_another_organisation_s_depot_is_refused(
        self, pages: Pages, execution: Execution
    ) -> None:
        response = receipt(pages, execution.c1, depot="d-south")

        assert response.status_code == 404  # as for a depot that does not exist (issue 12)
        assert field_error(response.text, "receipt-depot") == (
            "This depot is not one of your organisation's depots."
        )

    def test_a_dispatch_beyond_the_stock_is_refused_and_records_nothing(
        self, pages: Pages, execution: Execution
    ) -> None:
        receipt(pages, execution.c1, received="40", accepted="40")

        response = dispatch(pages, quantity="50")

        assert response.status_code == 409
        assert field_error(response.text, "dispatch-quantity") == (
            "Only 40 of art-155 in stock at depot d-north."
        )
        assert api(pages, "logistics", "/dispatches")["total"] == 0
        assert events(pages, entity="dispatches") == 0
        assert stock_row(response.text, "d-north", "art-155") == ("40", "40")

    def test_a_dispatch_takes_from_the_stock(self, pages: Pages, execution: Execution) -> None:
        receipt(pages, execution.c1)

        response = dispatch(pages, quantity="30")
        html = pages.as_user("logistics").get(response.headers["location"]).text

        assert notice(html) == "The dispatch is recorded."
        assert "Dispatches to groupings: 1" in html
        assert stock_row(html, "d-north", "art-155") == ("10", "10")

    def test_a_reversal_needs_a_reason_then_takes_the_receipt_back(
        self, pages: Pages, execution: Execution
    ) -> None:
        location = receipt(pages, execution.c1).headers["location"]
        (receipt_id,) = re.findall(r"saved=receipt-(\d+)", location)
        path = f"/ledger/receipts/{receipt_id}/reverse"
        client = pages.as_user("logistics")

        empty = client.post(path, data={"client_key": "rev-1", "reason": "", "view_day": DAY})
        done = client.post(
            path, data={"client_key": "rev-1", "reason": "wrong contract", "view_day": DAY}
        )

        assert empty.status_code == 422
        assert field_error(empty.text, "reverse-reason") == ("Say why this entry is corrected.")
        assert notice(done.text).startswith("The correction is recorded")
        assert f"reversed by receipt {int(receipt_id) + 1}" in done.text
        assert "Nothing in stock" in done.text

    def test_the_reverse_link_opens_the_entry_s_correction_form(
        self, pages: Pages, execution: Execution
    ) -> None:
        location = receipt(pages, execution.c1).headers["location"]
        (receipt_id,) = re.findall(r"saved=receipt-(\d+)", location)
        client = pages.as_user("logistics")
        listed = client.get(f"/ledger?day={DAY}").text

        html = client.get(f"/ledger?day={DAY}&reverse=receipts-{receipt_id}").text

        assert f"reverse=receipts-{receipt_id}#correct" in listed
        assert f'<h2 id="correct-heading">Correct receipt {receipt_id}</h2>' in html
        assert "C-1: received 40, accepted 40, rejected 0" in html
        assert f'action="/ledger/receipts/{receipt_id}/reverse#correct"' in html

    def test_a_receipt_whose_items_left_cannot_be_reversed(
        self, pages: Pages, execution: Execution
    ) -> None:
        location = receipt(pages, execution.c1).headers["location"]
        (receipt_id,) = re.findall(r"saved=receipt-(\d+)", location)
        dispatch(pages, quantity="30")

        response = pages.as_user("logistics").post(
            f"/ledger/receipts/{receipt_id}/reverse",
            data={"client_key": "rev-1", "reason": "wrong contract", "view_day": DAY},
        )

        assert response.status_code == 409
        assert field_error(response.text, "reverse-reason") == (
            "Only 10 of art-155 in stock at depot d-north: reversing this receipt would take "
            "40. Reverse the dispatches that took it first."
        )

    def test_a_planner_reads_the_ledger_but_records_nothing(
        self, pages: Pages, execution: Execution
    ) -> None:
        receipt(pages, execution.c1)
        client = pages.as_user("planner")

        html = client.get(f"/ledger?day={DAY}").text

        assert "Receipts and acceptance: 1" in html
        assert "Record a receipt" not in html
        assert receipt(pages, execution.c1, key="p", user="planner").status_code == 403

    def test_another_day_shows_its_own_entries(self, pages: Pages, execution: Execution) -> None:
        receipt(pages, execution.c1)

        html = pages.as_user("logistics").get("/ledger?day=2026-11-04").text

        assert "Nothing is recorded on this day yet." in html
        assert stock_row(html, "d-north", "art-155") == ("0", "40")


class TestPlanVersusActual:
    def test_late_contracts_are_highlighted(self, pages: Pages, execution: Execution) -> None:
        receipt(pages, execution.c1, received="40", accepted="40")

        html = pages.as_user("planner").get("/contracts/progress?as_of=2026-11-15").text
        row = re.search(r"<tr class=\"([^\"]*)\">\s*<th scope=\"row\"><a href=\"/contracts/"
                        rf"{execution.c1}\">C-1</a>", html)  # fmt: skip

        # due by 15 November: October's 100 and half of November's 300
        assert row is not None
        assert "late" in row.group(1).split()
        assert '<strong class="flag flag-late">210\xa0pcs</strong>' in html
        assert "Contracts in force" in html

    @pytest.mark.usefixtures("execution")
    def test_a_producer_sees_only_its_own_contracts(self, pages: Pages) -> None:
        html = pages.as_user("producer").get("/contracts/progress?as_of=2026-11-15").text

        assert ">C-1</a>" in html
        assert ">C-2</a>" not in html
        assert "Per need class" not in html


class TestAudit:
    def test_the_chain_s_head_and_events_with_before_and_after(
        self, pages: Pages, execution: Execution
    ) -> None:
        receipt(pages, execution.c1)
        client = pages.as_user("auditor")
        newest = api(pages, "auditor", "/audit/events", limit=1)["items"][0]

        html = client.get("/audit?entity=depot_stocks").text

        assert f"event {newest['seq']}" in html
        assert newest["hash"] in html
        assert "<strong>create</strong> depot stocks" in html  # the entity in words (issue 14)
        assert '<tr class="changed"><th scope="row">quantity</th>' in html

    @pytest.mark.usefixtures("execution")
    def test_verify_says_the_chain_is_intact(self, pages: Pages) -> None:
        fragment = pages.as_user("auditor").get("/audit/verify", headers={"HX-Request": "true"})

        assert "The chain is intact." in fragment.text
        assert "<html" not in fragment.text

    @pytest.mark.usefixtures("execution")
    def test_verify_names_the_first_broken_event(self, pages: Pages) -> None:
        with pages.engine.begin() as connection:
            seq = connection.scalar(text("SELECT min(seq) + 2 FROM audit_events"))
            connection.execute(
                text("UPDATE audit_events SET after = '{\"quantity\": 1}' WHERE seq = :seq"),
                {"seq": seq},
            )

        html = pages.as_user("admin").get("/audit?verify=1").text

        assert f"The chain is broken at event {seq}." in html
        assert "its content does not match its hash" in html
