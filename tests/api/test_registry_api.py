"""The registry over the API: list, read, create, update and delete, with the format's rules,
optimistic concurrency and one error shape."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kuznia import models
from kuznia.db import session_scope
from tests.api.conftest import Api

LINES = "/api/v1/lines"
EXPANSIONS = "/api/v1/expansions"
FUNDS = "/api/v1/funds"


class TestList:
    def test_pages_hold_limit_records_and_the_total(self, api: Api) -> None:
        first = api.get("planner", LINES, params={"limit": 3}).json()
        second = api.get("planner", LINES, params={"limit": 3, "offset": 3}).json()

        assert first["total"] == second["total"] == 4
        assert [line["code"] for line in first["items"]] == ["l1", "l2", "l3"]
        assert [line["code"] for line in second["items"]] == ["l4"]

    def test_filters_by_reference_code(self, api: Api) -> None:
        page = api.get("planner", LINES, params={"item": "fpv"}).json()

        assert [line["code"] for line in page["items"]] == ["l2", "l3"]

    def test_a_record_reads_with_every_field_defaults_included(self, api: Api) -> None:
        line = api.find("planner", LINES, code="l1")

        assert line["capacity"] == [100, 250.5, 300.0]
        assert line["lead_time"] == 0  # left out in the source: the format's default
        assert line["version"] == 1

    def test_a_bad_limit_names_the_parameter(self, api: Api) -> None:
        response = api.get("planner", LINES, params={"limit": 0})

        assert response.status_code == 422
        assert response.json()["problems"][0]["field"] == "query.limit"


class TestCreate:
    def test_a_line_is_added_and_read_back(self, api: Api) -> None:
        body = {"code": "l9", "producer": "p1", "item": "fpv", "capacity": 40, "price": 500.0}

        created = api.post("planner", LINES, json=body)

        assert created.status_code == 201
        assert api.get("planner", f"{LINES}/{created.json()['id']}").json() | body == (
            created.json()
        )

    def test_every_bad_field_is_named_at_once(self, api: Api) -> None:
        body = {"code": "l9", "producer": "p9", "item": "fpv", "capacity": [1, 2], "price": -1}

        response = api.post("planner", LINES, json=body)

        assert response.status_code == 422
        problems = {p["field"]: p["message"] for p in response.json()["problems"]}
        assert problems == {"price": "must be a number >= 0 or a list of numbers >= 0, got -1"}

    def test_cross_record_rules_apply_as_in_files(self, api: Api) -> None:
        body = {"code": "l9", "producer": "p9", "item": "fpv", "capacity": [1, 2], "price": 1}

        response = api.post("planner", LINES, json=body)

        assert response.status_code == 422
        assert response.json()["problems"] == [
            {"field": "producer", "message": 'unknown producer "p9"'},
            {"field": "capacity", "message": "list of 2 values, expected 3 (one per month)"},
        ]

    def test_an_unknown_field_is_refused(self, api: Api) -> None:
        body = {"code": "g9", "name": "West", "colour": "red"}

        response = api.post("planner", "/api/v1/groupings", json=body)

        assert response.status_code == 422
        assert response.json()["problems"][0]["field"] == "colour"

    def test_a_duplicate_code_is_a_conflict(self, api: Api) -> None:
        response = api.post("planner", "/api/v1/groupings", json={"code": "g-east"})

        assert response.status_code == 409
        assert response.json() == {
            "error": "Conflict",
            "code": "conflict",
            "detail": 'a grouping with code "g-east" exists',
            "problems": [{"field": "code", "message": '"g-east" is taken', "code": "code_taken"}],
        }

    def test_a_second_stock_record_for_an_item_is_a_conflict(self, api: Api) -> None:
        response = api.post("planner", "/api/v1/stock", json={"item": "fpv", "quantity": 1})

        assert response.status_code == 409

    def test_a_need_outside_the_horizon_is_refused(self, api: Api) -> None:
        body = {
            "item": "fpv",
            "grouping": "g-east",
            "month": 3,
            "quantity": 5,
            "operation": "defensive",
        }

        response = api.post("planner", "/api/v1/needs", json=body)

        assert response.status_code == 422
        assert response.json()["problems"][0]["field"] == "month"


class TestUpdate:
    def test_a_change_bumps_the_version_and_keeps_other_fields(self, api: Api) -> None:
        line = api.find("planner", LINES, code="l2")

        response = api.patch("planner", f"{LINES}/{line['id']}", json={"version": 1, "price": 390})

        assert response.status_code == 200
        assert response.json() == line | {"price": 390, "version": 2}

    def test_a_stale_version_is_refused_and_loses_nothing(self, api: Api) -> None:
        line = api.find("planner", LINES, code="l2")
        api.patch("planner", f"{LINES}/{line['id']}", json={"version": 1, "price": 390})

        stale = api.patch("planner", f"{LINES}/{line['id']}", json={"version": 1, "price": 1})

        assert stale.status_code == 409
        assert stale.json()["error"] == "StaleVersion"
        assert api.find("planner", LINES, code="l2")["price"] == 390

    def test_changing_a_funds_budget_alone_is_a_new_version(self, api: Api) -> None:
        fund = api.find("planner", FUNDS, code="dk")

        response = api.patch(
            "planner",
            f"{FUNDS}/{fund['id']}",
            json={"version": 1, "budget": {"2026": 5, "2027": 7.5}},
        )

        assert response.status_code == 200
        assert response.json()["budget"] == {"2026": 5, "2027": 7.5}
        assert response.json()["version"] == 2

    def test_the_instance_export_sees_api_edits_exactly(self, api: Api) -> None:
        line = api.find("planner", LINES, code="l3")
        api.patch("planner", f"{LINES}/{line['id']}", json={"version": 1, "capacity": [1, 2.5, 3]})

        instance = api.get("planner", "/api/v1/instance").json()

        (exported,) = [record for record in instance["lines"] if record["id"] == "l3"]
        assert exported == {
            "id": "l3",
            "producer": "p3",
            "item": "fpv",
            "capacity": [1, 2.5, 3],
            "price": 410,
            "lead_time": 1,
            "min_rate": 0.0,
        }


class TestDelete:
    def test_a_record_nothing_refers_to_is_deleted(self, api: Api) -> None:
        expansion = api.find("planner", "/api/v1/expansions", code="e1")

        response = api.delete("planner", f"/api/v1/expansions/{expansion['id']}")

        assert response.status_code == 204
        assert api.get("planner", f"/api/v1/expansions/{expansion['id']}").status_code == 404

    def test_a_record_still_referred_to_is_a_conflict(self, api: Api) -> None:
        producer = api.find("planner", "/api/v1/producers", code="p1")

        response = api.delete("planner", f"/api/v1/producers/{producer['id']}")

        assert response.status_code == 409
        assert api.get("planner", f"/api/v1/producers/{producer['id']}").status_code == 200

    def test_a_delete_on_a_stale_version_is_refused(self, api: Api) -> None:
        grouping = api.find("planner", "/api/v1/groupings", code="g-south")

        response = api.delete(
            "planner", f"/api/v1/groupings/{grouping['id']}", params={"version": 7}
        )

        assert response.status_code == 409

    def test_a_delete_on_a_version_that_is_no_number_is_a_field_error(self, api: Api) -> None:
        grouping = api.find("planner", "/api/v1/groupings", code="g-south")

        response = api.delete(
            "planner", f"/api/v1/groupings/{grouping['id']}", params={"version": "abc"}
        )

        assert response.status_code == 422
        assert [p["field"] for p in response.json()["problems"]] == ["query.version"]
        assert api.get("planner", f"/api/v1/groupings/{grouping['id']}").status_code == 200

    def test_a_line_with_an_expansion_is_kept_and_the_expansion_named(self, api: Api) -> None:
        line = api.find("planner", LINES, code="l1")

        response = api.delete("planner", f"{LINES}/{line['id']}")

        assert response.status_code == 409
        body = response.json()
        assert body["problems"] == [
            {"field": "expansions", "message": "e1", "code": "still_referenced"}
        ]
        assert 'the line "l1" cannot be deleted' in body["detail"]
        assert api.get("planner", f"{LINES}/{line['id']}").status_code == 200

    def test_a_line_under_contract_is_kept_and_its_contracts_named(
        self, api: Api, engine: Engine
    ) -> None:
        line = api.find("planner", LINES, code="l3")
        with session_scope(engine) as session:
            session.add(
                models.Contract(
                    number="C-9-l3",
                    producer="p3",
                    line="l3",
                    item="fpv",
                    status=models.ContractStatus.draft,
                )
            )

        response = api.delete("planner", f"{LINES}/{line['id']}")

        assert response.status_code == 409
        assert response.json()["problems"] == [
            {"field": "contracts", "message": "C-9-l3", "code": "still_referenced"}
        ]


class TestProducerScope:
    def test_a_producer_lists_only_its_own_lines(self, api: Api) -> None:
        page = api.get("producer", LINES).json()

        assert [line["code"] for line in page["items"]] == ["l1"]
        assert page["total"] == 1

    def test_another_producers_line_looks_like_no_line(self, api: Api) -> None:
        other = api.find("planner", LINES, code="l2")

        assert api.get("producer", f"{LINES}/{other['id']}").status_code == 404
        assert (
            api.patch(
                "producer", f"{LINES}/{other['id']}", json={"version": 1, "price": 1}
            ).status_code
            == 404
        )

    def test_a_producer_updates_its_own_prices(self, api: Api) -> None:
        own = api.find("producer", LINES, code="l1")

        response = api.patch("producer", f"{LINES}/{own['id']}", json={"version": 1, "price": 3000})

        assert response.status_code == 200

    def test_a_producer_cannot_hand_its_line_to_another_producer(self, api: Api) -> None:
        own = api.find("producer", LINES, code="l1")

        response = api.patch(
            "producer", f"{LINES}/{own['id']}", json={"version": 1, "producer": "p2"}
        )

        # said as of a producer that does not exist: p2 is beyond the producer's reach
        assert response.status_code == 422
        assert response.json()["problems"] == [
            {"field": "producer", "message": 'unknown producer "p2"'}
        ]
        assert api.find("planner", LINES, code="l1")["producer"] == "p1"

    @pytest.mark.parametrize("line", ["l2", "no-such-line"])
    def test_another_producers_line_code_is_answered_as_no_line(self, api: Api, line: str) -> None:
        expansion = {"code": "e-new", "line": line, "start": 0, "added_capacity": 5, "capex": 9}

        response = api.post("producer", EXPANSIONS, json=expansion)

        assert response.status_code == 422
        assert response.json() == {
            "error": "InvalidInput",
            "code": "invalid_input",
            "detail": "the expansion breaks the format's rules",
            "problems": [{"field": "line", "message": f'unknown line "{line}"'}],
        }

    def test_a_planner_adds_an_expansion_to_any_producers_line(self, api: Api) -> None:
        expansion = {"code": "e-new", "line": "l2", "start": 0, "added_capacity": 5, "capex": 9}

        response = api.post("planner", EXPANSIONS, json=expansion)

        assert response.status_code == 201


def test_concurrent_writers_each_get_their_change_in(api: Api) -> None:
    """Four clients at once, each changing its own line ten times: no "database is locked",
    no lost update (SQLite's writers take the write lock when they begin)."""
    from concurrent.futures import ThreadPoolExecutor

    lines = api.get("planner", LINES).json()["items"]

    def change_ten_times(line: dict) -> list[int]:  # type: ignore[type-arg]
        statuses = []
        for version in range(1, 11):
            response = api.patch(
                "planner",
                f"{LINES}/{line['id']}",
                json={"version": version, "lead_time": 10 + version},
            )
            statuses.append(response.status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = [s for result in pool.map(change_ten_times, lines) for s in result]

    assert statuses == [200] * 40
    assert [line["version"] for line in api.get("planner", LINES).json()["items"]] == [11] * 4


def test_an_integer_too_large_to_store_is_refused_with_its_field(api: Api) -> None:
    body = {"code": "l9", "producer": "p1", "item": "fpv", "capacity": 1, "price": 1}

    response = api.post("planner", LINES, json=body | {"lead_time": 2**70})

    assert response.status_code == 422
    assert response.json()["problems"][0] == {
        "field": "lead_time",
        "message": f"integer {2**70} is too large to store exactly (> 2**53)",
    }


def test_a_lead_time_beyond_a_stored_whole_number_is_refused_with_its_field(api: Api) -> None:
    """SQLite kept 99,999,999,999 and PostgreSQL refused the write with no field named."""
    body = {"code": "l9", "producer": "p1", "item": "fpv", "capacity": 1, "price": 1}

    response = api.post("planner", LINES, json=body | {"lead_time": 99_999_999_999})

    assert response.status_code == 422, response.text
    assert response.json()["problems"] == [
        {
            "field": "lead_time",
            "message": "integer 99999999999 is above 2,147,483,647, the largest whole number stored",
        }
    ]
    assert api.get("planner", LINES, params={"code": "l9"}).json()["items"] == []


def test_an_integer_too_large_for_a_float_is_refused_with_its_field(api: Api) -> None:
    """10**400 is no float at all: it was a 500 (OverflowError) where a float is expected."""
    body = {"code": "l9", "producer": "p1", "item": "fpv", "capacity": 10**400, "price": 1}

    response = api.post("planner", LINES, json=body)

    assert response.status_code == 422, response.text
    (problem,) = response.json()["problems"]
    assert problem == {"field": "capacity", "message": "a number of 401 digits is too large"}
    assert api.get("planner", LINES, params={"code": "l9"}).json()["items"] == []


def queue_run(api: Api, engine: Engine, status: models.PlanRunStatus) -> int:
    """A plan run asked for now (its input the registry as it is), left `status`."""
    response = api.post("planner", "/api/v1/plan-runs", json={})
    assert response.status_code == 202, response.text
    run_id: int = response.json()["id"]
    with session_scope(engine) as session:
        session.get_one(models.PlanRun, run_id).status = status
    return run_id


class TestDeleteWhileAPlanRunReadsIt:
    """A queued or running run solves the registry as it was when asked for: a line or an
    expansion in that input stays until the run ends, else its results would name a record
    that no longer exists."""

    def test_an_expansion_in_a_queued_run_s_input_is_kept_and_the_run_named(
        self, api: Api, engine: Engine
    ) -> None:
        expansion = api.find("planner", "/api/v1/expansions", code="e1")
        run_id = queue_run(api, engine, models.PlanRunStatus.queued)

        response = api.delete("planner", f"/api/v1/expansions/{expansion['id']}")

        assert response.status_code == 409
        assert response.json()["problems"] == [
            {"field": "active_plan_runs", "message": str(run_id), "code": "still_referenced"}
        ]
        assert (
            f"plan runs queued or running with it in their input (ids): {run_id}"
            in (response.json()["detail"])
        )
        assert api.get("planner", f"/api/v1/expansions/{expansion['id']}").status_code == 200

    def test_a_line_in_a_running_run_s_input_is_kept(self, api: Api, engine: Engine) -> None:
        line = api.find("planner", LINES, code="l3")
        run_id = queue_run(api, engine, models.PlanRunStatus.running)

        response = api.delete("planner", f"{LINES}/{line['id']}")

        assert response.status_code == 409
        assert response.json()["problems"] == [
            {"field": "active_plan_runs", "message": str(run_id), "code": "still_referenced"}
        ]

    def test_once_the_run_ends_the_expansion_may_go(self, api: Api, engine: Engine) -> None:
        expansion = api.find("planner", "/api/v1/expansions", code="e1")
        queue_run(api, engine, models.PlanRunStatus.cancelled)

        response = api.delete("planner", f"/api/v1/expansions/{expansion['id']}")

        assert response.status_code == 204, response.text

    def test_a_line_added_after_the_run_was_asked_for_may_go(
        self, api: Api, engine: Engine
    ) -> None:
        queue_run(api, engine, models.PlanRunStatus.queued)
        body = {"code": "l9", "producer": "p1", "item": "fpv", "capacity": 5, "price": 1}
        created = api.post("planner", LINES, json=body)
        assert created.status_code == 201, created.text

        response = api.delete("planner", f"{LINES}/{created.json()['id']}")

        assert response.status_code == 204, response.text
