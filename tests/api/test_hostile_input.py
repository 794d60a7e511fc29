"""Hostile input against the API (issue 12, items 2, 4 and 7), on SQLite and PostgreSQL: each
probe is answered 4xx with the one error shape naming the field, changes nothing, and no
answer is a 5xx. The world is tests/logistics/conftest.py's (depots, contracts C-1..C-3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kuznia.db import session_scope
from kuznia.models import (
    Depot,
    Dispatch,
    PlanRunDelivery,
    PlanRunExpansion,
    PlanRunPayment,
    Producer,
    ProductionReport,
    Receipt,
    User,
)
from tests.logistics.builders import add_plan_run
from tests.logistics.conftest import World, world

__all__ = ["world"]

API = "/api/v1"
SURROGATE = "\ud800"


def counts(engine: Engine) -> dict[str, int]:
    """How many rows the tables a probe could write hold."""
    with session_scope(engine) as session:
        return {
            model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Receipt, Dispatch, ProductionReport, Depot, Producer, User)
        }


def receipt(**changes: Any) -> dict[str, Any]:
    body = {
        "client_key": "r-1",
        "depot": "d-north",
        "day": "2026-11-05",
        "lot": "",
        "received": 1,
        "accepted": 1,
        "rejected": 0,
        "reason": "",
    }
    return {**body, **changes}


def dispatch(**changes: Any) -> dict[str, Any]:
    body = {
        "client_key": "d-1",
        "depot": "d-north",
        "item": "art-155",
        "grouping": "g-east",
        "day": "2026-11-06",
        "quantity": 1,
        "note": "",
    }
    return {**body, **changes}


def production(world: World, **changes: Any) -> dict[str, Any]:
    body = {"client_key": "p-1", "contract_id": world.c1, "day": "2026-11-03", "quantity": 1}
    return {**body, **changes}


def assert_refused(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """The answer is `status`, in the one error shape, naming `field` among its problems."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "code", "detail", "problems"}
    if field is not None:
        assert field in [problem["field"] for problem in body["problems"]], body
    return body


@pytest.fixture
def unchanged(world: World) -> Iterator[World]:
    """The world, checked after the test to hold exactly the rows it held before."""
    before = counts(world.engine)
    yield world
    assert counts(world.engine) == before


class TestBodySize:
    def test_a_2_mb_json_body_is_refused_with_413_before_it_is_read(self, unchanged: World) -> None:
        body = dispatch(note="x" * (2 * 1024 * 1024))

        response = unchanged.api.post("logistics", f"{API}/dispatches", json=body)

        refused = assert_refused(response, 413)
        assert refused["error"] == "BodyTooLarge"
        assert refused["detail"] == (
            "the request's body is larger than 1048576 bytes (KUZNIA_MAX_BODY_BYTES): send "
            "less, or split it"
        )

    def test_a_body_without_content_length_is_counted_as_it_streams(self, unchanged: World) -> None:
        # A generator is sent chunked: no Content-Length to trust or to lie.
        payload = json.dumps(dispatch(note="x" * (2 * 1024 * 1024))).encode()
        chunks = (payload[i : i + 65536] for i in range(0, len(payload), 65536))

        response = unchanged.api.client.post(
            f"{API}/dispatches",
            content=chunks,
            headers={**unchanged.api.headers("logistics"), "content-type": "application/json"},
        )

        assert_refused(response, 413)

    def test_a_large_login_form_is_refused_too(self, unchanged: World) -> None:
        response = unchanged.api.client.post(
            "/login", data={"email": "a@b.c", "password": "x" * (2 * 1024 * 1024)}
        )

        assert response.status_code == 413
        assert "KUZNIA_MAX_BODY_BYTES" in response.text


class TestTextLengths:
    def test_a_5000_character_note_is_refused_naming_the_note(self, unchanged: World) -> None:
        response = unchanged.api.post(
            "logistics", f"{API}/dispatches", json=dispatch(note="n" * 5000)
        )

        body = assert_refused(response, 422, "note")
        assert body["problems"] == [
            {"field": "note", "message": "must be at most 2000 characters, got 5000"}
        ]

    @pytest.mark.parametrize(
        ("field", "limit"), [("lot", 100), ("reason", 2000)], ids=["lot", "reason"]
    )
    def test_long_receipt_texts_are_refused(self, unchanged: World, field: str, limit: int) -> None:
        body = receipt(contract_id=unchanged.c1, **{field: "x" * (limit + 1)})

        response = unchanged.api.post("logistics", f"{API}/receipts", json=body)

        assert_refused(response, 422, field)

    def test_a_200_character_depot_name_is_taken_201_is_not(self, unchanged: World) -> None:
        response = unchanged.api.post(
            "planner", f"{API}/depots", json={"code": "d-long", "name": "n" * 201}
        )

        assert_refused(response, 422, "name")


class TestControlCharactersAndSurrogates:
    """A lone surrogate was a 500 in 7 places (login included); now each is a 422 naming
    the field, before any schema, service or database sees it."""

    @pytest.mark.parametrize(
        ("user", "path", "body", "field"),
        [
            (None, "/auth/login", {"email": SURROGATE, "password": "x"}, "email"),
            (None, "/auth/login", {"email": "a@b.c", "password": SURROGATE}, "password"),
            ("logistics", "/receipts", receipt(lot=SURROGATE), "lot"),
            ("logistics", "/receipts", receipt(reason=SURROGATE), "reason"),
            ("logistics", "/dispatches", dispatch(note=SURROGATE), "note"),
            ("logistics", "/dispatches", dispatch(client_key=SURROGATE), "client_key"),
            ("producer", "/production-reports", {"lot": SURROGATE}, "lot"),
            ("planner", "/depots", {"code": "d-x", "name": SURROGATE}, "name"),
            ("planner", "/producers", {"code": "p-x", "name": SURROGATE}, "name"),
            ("planner", "/items", {"code": SURROGATE, "name": "x"}, "code"),
            ("admin", "/organisations", {"name": SURROGATE, "kind": "depot"}, "name"),
        ],
        ids=[
            "login-email",
            "login-password",
            "receipt-lot",
            "receipt-reason",
            "dispatch-note",
            "dispatch-client-key",
            "production-lot",
            "depot-name",
            "producer-name",
            "item-code",
            "organisation-name",
        ],
    )
    def test_a_lone_surrogate_is_refused_naming_the_field(
        self, unchanged: World, user: str | None, path: str, body: dict[str, Any], field: str
    ) -> None:
        if "contract_id" not in body and path in ("/receipts", "/production-reports"):
            body = {**body, "contract_id": unchanged.c1}
        headers = {
            **(unchanged.api.headers(user) if user else {}),
            "content-type": "application/json",
        }
        # JSON's escape "\ud800": the text cannot be sent as UTF-8.
        content = json.dumps(body, ensure_ascii=True)

        response = unchanged.api.client.post(f"{API}{path}", content=content, headers=headers)

        refused = assert_refused(response, 422, field)
        assert refused["problems"][0]["message"] == (
            "a lone surrogate (U+D800) at position 0 is not allowed in text"
        )

    def test_a_surrogate_in_a_key_is_refused(self, unchanged: World) -> None:
        response = unchanged.api.client.post(
            f"{API}/dispatches",
            content=json.dumps({**dispatch(), SURROGATE: 1}),
            headers={**unchanged.api.headers("logistics"), "content-type": "application/json"},
        )

        body = assert_refused(response, 422, "body")
        assert body["problems"][0]["message"].startswith("a key: a lone surrogate")

    @pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85"], ids=repr)
    def test_control_characters_are_refused(self, unchanged: World, char: str) -> None:
        response = unchanged.api.post(
            "logistics", f"{API}/dispatches", json=dispatch(note=f"ok{char}")
        )

        body = assert_refused(response, 422, "note")
        assert body["problems"][0]["message"] == (
            f"a control character (U+{ord(char):04X}) at position 2 is not allowed in text"
        )

    def test_a_note_keeps_its_tabs_and_line_breaks(self, world: World) -> None:
        response = world.api.post(
            "logistics", f"{API}/receipts", json=receipt(contract_id=world.c1, reason="a\tb\nc")
        )

        assert response.status_code == 201, response.text

    def test_a_name_is_one_line(self, unchanged: World) -> None:
        response = unchanged.api.post(
            "planner", f"{API}/depots", json={"code": "d-x", "name": "North\nDepot"}
        )

        body = assert_refused(response, 422, "name")
        assert body["problems"][0]["message"] == (
            "a tab or a line break is not allowed in a one-line text"
        )

    def test_a_web_form_with_a_nul_is_refused_naming_the_field(self, unchanged: World) -> None:
        response = unchanged.api.client.post("/login", data={"email": "a\x00@b.c", "password": "x"})

        assert response.status_code == 422
        assert "control character (U+0000)" in response.text


class TestCodes:
    FORMULA = '=HYPERLINK("http://evil.example/x","l0001")'

    def test_a_formula_is_not_a_producer_code(self, unchanged: World) -> None:
        response = unchanged.api.post(
            "planner",
            f"{API}/producers",
            json={"code": self.FORMULA, "name": "x", "ownership": "state", "region": "r"},
        )

        body = assert_refused(response, 422, "code")
        assert body["problems"] == [
            {
                "field": "code",
                "message": '"=HYPERLINK(\\"http://evil.example/x\\",\\"l0001\\")" is not a '
                "code: use 1 to 64 letters, digits, '.', '_' and '-', starting with a letter "
                "or a digit",
            }
        ]

    def test_a_line_renamed_to_a_formula_is_refused(self, unchanged: World) -> None:
        line = unchanged.api.find("planner", f"{API}/lines", code="l1")

        response = unchanged.api.patch(
            "planner",
            f"{API}/lines/{line['id']}",
            json={"version": line["version"], "code": self.FORMULA},
        )

        assert_refused(response, 422, "code")
        assert unchanged.api.find("planner", f"{API}/lines", code="l1")["id"] == line["id"]

    def test_a_depot_code_with_a_space_is_refused(self, unchanged: World) -> None:
        response = unchanged.api.post(
            "planner", f"{API}/depots", json={"code": "d north", "name": "x"}
        )

        assert_refused(response, 422, "code")

    def test_a_formula_is_a_name_like_any_other(self, world: World) -> None:
        # Names are free text: the workbooks neutralise them (tests/io/test_safety.py).
        producer = world.api.find("planner", f"{API}/producers", code="p1")

        response = world.api.patch(
            "producer",
            f"{API}/producers/{producer['id']}",
            json={"version": producer["version"], "name": self.FORMULA},
        )

        assert response.status_code == 200, response.text
        assert response.json()["name"] == self.FORMULA


class TestPartnerSideChannels:
    def test_a_filter_by_another_funds_code_lists_nothing(self, world: World) -> None:
        # C-1 is paid by "state", C-2 by the partner's "dk".
        theirs = world.api.get("partner", f"{API}/contracts", params={"fund": "state"})
        own = world.api.get("partner", f"{API}/contracts", params={"fund": "dk"})
        planner = world.api.get("planner", f"{API}/contracts", params={"fund": "state"})

        assert (theirs.status_code, theirs.json()["items"], theirs.json()["total"]) == (200, [], 0)
        assert [c["number"] for c in own.json()["items"]] == ["C-2"]
        assert [c["number"] for c in planner.json()["items"]] == ["C-1", "C-3"]

    def test_a_guarantee_filter_by_another_funds_code_lists_nothing(self, world: World) -> None:
        response = world.api.get("partner", f"{API}/guarantees", params={"fund": "state"})

        assert (response.status_code, response.json()["items"]) == (200, [])


class TestPartnerPartOfARun:
    """A run whose line l2 is paid 60/40 by dk (the partner's fund) and the state in 2026 and
    by the state alone in 2027, and whose expansion e1 dk pays a quarter of."""

    @pytest.fixture
    def run(self, world: World) -> int:
        with session_scope(world.engine) as session:
            run = add_plan_run(session, start="2026-11", allocations=[])
            delivery = {"run_id": run.id, "line": "l2", "producer": "p2", "item": "fpv"}
            session.add_all(
                [
                    # months 0 and 1 are 2026-11 and 2026-12; month 2 is 2027-01
                    PlanRunDelivery(**delivery, month=0, quantity=10, price=5, value=50),
                    PlanRunDelivery(**delivery, month=1, quantity=20, price=5, value=100),
                    PlanRunDelivery(**delivery, month=2, quantity=30, price=5, value=150),
                    PlanRunPayment(run_id=run.id, fund="dk", line="l2", year=2026, amount=90),
                    PlanRunPayment(run_id=run.id, fund="state", line="l2", year=2026, amount=60),
                    PlanRunPayment(run_id=run.id, fund="state", line="l2", year=2027, amount=150),
                    PlanRunExpansion(
                        run_id=run.id, expansion="e1", line="l2", level=1, capex=1000, active_from=1
                    ),
                    PlanRunPayment(run_id=run.id, fund="dk", expansion="e1", year=2026, amount=250),
                    PlanRunPayment(
                        run_id=run.id, fund="state", expansion="e1", year=2026, amount=750
                    ),
                ]
            )
            return run.id

    def test_deliveries_are_scaled_to_the_partners_share_of_their_year(
        self, world: World, run: int
    ) -> None:
        response = world.api.get("partner", f"{API}/plan-runs/{run}/deliveries")

        assert response.status_code == 200, response.text
        # 2026: dk pays 90 of 150, 60%; 2027 (month 2) is none of dk's.
        assert [
            (d["month"], d["quantity"], d["price"], d["value"]) for d in response.json()["items"]
        ] == [
            (0, pytest.approx(6.0), 5.0, pytest.approx(30.0)),
            (1, pytest.approx(12.0), 5.0, pytest.approx(60.0)),
        ]

    def test_payments_are_only_its_own(self, world: World, run: int) -> None:
        response = world.api.get("partner", f"{API}/plan-runs/{run}/payments")

        assert [
            (p["fund"], p["line"], p["expansion"], p["amount"]) for p in response.json()["items"]
        ] == [
            ("dk", "l2", None, 90.0),
            ("dk", None, "e1", 250.0),
        ]

    def test_an_expansions_capex_is_scaled_to_its_share(self, world: World, run: int) -> None:
        response = world.api.get("partner", f"{API}/plan-runs/{run}/expansions")

        assert [(e["expansion"], e["capex"]) for e in response.json()["items"]] == [
            ("e1", pytest.approx(250.0))
        ]

    def test_the_planner_reads_the_whole_run(self, world: World, run: int) -> None:
        response = world.api.get("planner", f"{API}/plan-runs/{run}/deliveries")

        assert [d["quantity"] for d in response.json()["items"]] == [10, 20, 30]


class TestNotYoursLooksLikeNothing:
    def test_another_organisations_depot_and_no_depot_get_the_same_daily_report_answer(
        self, world: World
    ) -> None:
        # The depots' user of d-north: d-south exists, d-nowhere does not.
        answers = [
            world.api.get(
                "logistics", f"{API}/reports/daily", params={"day": "2026-11-05", "depot": code}
            )
            for code in ("d-south", "d-nowhere")
        ]

        assert [a.status_code for a in answers] == [404, 404]
        assert [a.json()["detail"] for a in answers] == [
            'depot "d-south" not found',
            'depot "d-nowhere" not found',
        ]

    def test_another_producers_line_and_no_line_are_both_404(self, world: World) -> None:
        line = world.api.find("planner", f"{API}/lines", code="l2")  # producer p2's

        answers = [
            world.api.get("producer", f"{API}/lines/{record_id}")
            for record_id in (line["id"], 999999)
        ]

        assert [a.status_code for a in answers] == [404, 404]
        assert [a.json()["detail"] for a in answers] == [
            f"line {line['id']} not found",
            "line 999999 not found",
        ]

    def test_another_organisations_depot_and_no_depot_are_refused_alike(
        self, unchanged: World
    ) -> None:
        # The depots' user of d-north records at d-south (another organisation's), d-nowhere.
        answers = [
            unchanged.api.post(
                "logistics", f"{API}/dispatches", json=dispatch(client_key=code, depot=code)
            )
            for code in ("d-south", "d-nowhere")
        ]

        assert [a.status_code for a in answers] == [404, 404]
        assert [a.json()["problems"] for a in answers] == [
            [{"field": "depot", "message": 'depot "d-south" not found'}],
            [{"field": "depot", "message": 'depot "d-nowhere" not found'}],
        ]

    def test_another_producers_contract_and_no_contract_are_refused_alike(
        self, unchanged: World
    ) -> None:
        answers = [
            unchanged.api.post(
                "producer",
                f"{API}/production-reports",
                json=production(unchanged, client_key=f"p-{contract}", contract_id=contract),
            )
            for contract in (unchanged.c2, 999999)
        ]

        assert [a.status_code for a in answers] == [404, 404]
        assert [a.json()["detail"] for a in answers] == [
            f"contract {unchanged.c2} not found",
            "contract 999999 not found",
        ]
