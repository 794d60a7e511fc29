"""The daily report and plan versus actual, through the API and the command line, with the
numbers worked out by hand. The world is tests/logistics/conftest.py's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from typer.testing import CliRunner

from kuznia.cli.main import app as kuznia
from kuznia.db import session_scope
from kuznia.models import Contract
from tests.logistics.builders import add_plan_run
from tests.logistics.conftest import World

API = "/api/v1"


def post(world: World, user: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = world.api.post(user, f"{API}{path}", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def receipt(
    world: World,
    user: str,
    key: str,
    *,
    depot: str,
    contract: int,
    day: str,
    accepted: float,
    rejected: float = 0,
) -> dict[str, Any]:
    return post(
        world,
        user,
        "/receipts",
        {
            "client_key": key,
            "depot": depot,
            "contract_id": contract,
            "day": day,
            "received": accepted + rejected,
            "accepted": accepted,
            "rejected": rejected,
            "reason": "dented" if rejected else "",
        },
    )


def dispatch(
    world: World,
    user: str,
    key: str,
    *,
    depot: str,
    item: str,
    grouping: str,
    day: str,
    quantity: float,
) -> None:
    post(
        world,
        user,
        "/dispatches",
        {
            "client_key": key,
            "depot": depot,
            "item": item,
            "grouping": grouping,
            "day": day,
            "quantity": quantity,
        },
    )


def produced(
    world: World, user: str, key: str, *, contract: int, day: str, quantity: float
) -> None:
    post(
        world,
        user,
        "/production-reports",
        {"client_key": key, "contract_id": contract, "day": day, "quantity": quantity},
    )


class TestDailyReport:
    @pytest.fixture
    def days(self, world: World) -> World:
        """4 November: 100 of art-155 arrive at d-north.
        5 November: d-north receives 130 (120 accepted, 10 rejected) and 50 entered by mistake
        and reversed, sends 30 to g-east and 20 to g-south; d-south receives 40 fpv and sends
        15 to g-east; p1 reports making 90, p2 35.
        6 November: d-north sends 10 more to g-east."""
        north, south = "logistics", "south"
        receipt(
            world, north, "n-1", depot="d-north", contract=world.c1, day="2026-11-04", accepted=100
        )
        receipt(
            world, north, "n-2", depot="d-north", contract=world.c1, day="2026-11-05",
            accepted=120, rejected=10,
        )  # fmt: skip
        wrong = receipt(
            world, north, "n-3", depot="d-north", contract=world.c1, day="2026-11-05", accepted=50
        )
        post(
            world,
            north,
            f"/receipts/{wrong['id']}/reverse",
            {"client_key": "n-3-undo", "reason": "typo"},
        )
        dispatch(
            world,
            north,
            "n-4",
            depot="d-north",
            item="art-155",
            grouping="g-east",
            day="2026-11-05",
            quantity=30,
        )
        dispatch(
            world,
            north,
            "n-5",
            depot="d-north",
            item="art-155",
            grouping="g-south",
            day="2026-11-05",
            quantity=20,
        )
        receipt(
            world, south, "s-1", depot="d-south", contract=world.c2, day="2026-11-05", accepted=40
        )
        dispatch(
            world,
            south,
            "s-2",
            depot="d-south",
            item="fpv",
            grouping="g-east",
            day="2026-11-05",
            quantity=15,
        )
        produced(world, "producer", "p1-1", contract=world.c1, day="2026-11-05", quantity=90)
        produced(world, "other_producer", "p2-1", contract=world.c2, day="2026-11-05", quantity=35)
        dispatch(
            world,
            north,
            "n-6",
            depot="d-north",
            item="art-155",
            grouping="g-east",
            day="2026-11-06",
            quantity=10,
        )
        return world

    def report(self, world: World, user: str, **params: str) -> dict[str, Any]:
        response = world.api.get(user, f"{API}/reports/daily", params=params)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def test_a_planner_sees_every_depot(self, days: World) -> None:
        report = self.report(days, "planner", day="2026-11-05")

        assert report == {
            "day": "2026-11-05",
            "depot": None,
            "received": [
                {"depot": "d-north", "item": "art-155", "received": 130, "accepted": 120, "rejected": 10},
                {"depot": "d-south", "item": "fpv", "received": 40, "accepted": 40, "rejected": 0},
            ],
            "produced": [
                {"producer": "p1", "item": "art-155", "quantity": 90},
                {"producer": "p2", "item": "fpv", "quantity": 35},
            ],
            "forwarded": [
                {"grouping": "g-east", "item": "art-155", "quantity": 30},
                {"grouping": "g-east", "item": "fpv", "quantity": 15},
                {"grouping": "g-south", "item": "art-155", "quantity": 20},
            ],
            "stock": [
                {"depot": "d-north", "item": "art-155", "quantity": 170},
                {"depot": "d-south", "item": "fpv", "quantity": 25},
            ],
        }  # fmt: skip

    def test_a_past_days_stock_is_that_days(self, days: World) -> None:
        report = self.report(days, "planner", day="2026-11-04")

        assert report["stock"] == [{"depot": "d-north", "item": "art-155", "quantity": 100}]
        assert (report["forwarded"], report["produced"]) == ([], [])

    def test_each_caller_sees_its_own_part(self, days: World) -> None:
        parts = {
            user: self.report(days, user, day="2026-11-05")
            for user in ("logistics", "producer", "partner")
        }

        def short(report: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
            return {
                section: [tuple(row.values())[:2] for row in report[section]]
                for section in ("received", "produced", "forwarded", "stock")
            }

        assert {user: short(report) for user, report in parts.items()} == {
            "logistics": {
                "received": [("d-north", "art-155")],
                "produced": [],
                "forwarded": [("g-east", "art-155"), ("g-south", "art-155")],
                "stock": [("d-north", "art-155")],
            },
            "producer": {
                "received": [("d-north", "art-155")],
                "produced": [("p1", "art-155")],
                "forwarded": [],
                "stock": [],
            },
            "partner": {
                "received": [("d-south", "fpv")],
                "produced": [],
                "forwarded": [],
                "stock": [],
            },
        }

    def test_one_depot(self, days: World) -> None:
        report = self.report(days, "planner", day="2026-11-05", depot="d-south")

        assert report["received"] == [
            {"depot": "d-south", "item": "fpv", "received": 40, "accepted": 40, "rejected": 0}
        ]
        assert report["forwarded"] == [{"grouping": "g-east", "item": "fpv", "quantity": 15}]
        assert report["stock"] == [{"depot": "d-south", "item": "fpv", "quantity": 25}]
        assert report["produced"] == []
        other = days.api.get(
            "logistics", f"{API}/reports/daily", params={"day": "2026-11-05", "depot": "d-south"}
        )
        assert (other.status_code, other.json()["detail"]) == (404, 'depot "d-south" not found')

    def test_the_command_line_prints_it_and_writes_a_workbook(
        self, days: World, tmp_path: Path
    ) -> None:
        url = days.engine.url.render_as_string(hide_password=False)
        workbook = tmp_path / "daily.xlsx"

        result = CliRunner(env={"KUZNIA_DATABASE_URL": url, "COLUMNS": "132"}).invoke(
            kuznia, ["report", "daily", "--day", "2026-11-05", "--excel", str(workbook)]
        )

        assert result.exit_code == 0, result.output
        assert "Daily report 2026-11-05 (all depots)" in result.output
        assert "│ d-north │ art-155 │      130 │      120 │       10 │" in result.output
        sheets = load_workbook(workbook)
        assert sheets.sheetnames == [
            "Read me",
            "Received and accepted",
            "Produced",
            "Forwarded to groupings",
            "Stock at end of day",
        ]
        stock = sheets["Stock at end of day"]
        assert [[cell.value for cell in row] for row in stock.iter_rows()] == [
            ["Depot", "Item", "Quantity"],
            ["d-north", "art-155", 170],
            ["d-south", "fpv", 25],
        ]


class TestPlanVsActual:
    @pytest.fixture
    def progress(self, world: World) -> World:
        """A plan run from 2026-10 that C-1 and C-2 were approved from; p1 reported 200 made
        on 3 November (and 40 on the 16th); d-north accepted 120 on the 5th and 60 on the
        10th, d-south 300 fpv on the 12th; d-north sent 120 art-155 to g-east on the 8th (and
        10 on the 20th), d-south 250 fpv to g-east and 20 to g-south on the 13th."""
        with session_scope(world.engine) as session:
            run = add_plan_run(
                session,
                start="2026-10",
                allocations=[
                    _allocation("art-155", "g-east", 1, "defensive", 0, 50),
                    _allocation("art-155", "g-east", 1, "defensive", 1, 100),
                    _allocation("art-155", "g-east", 2, "offensive", 1, 60),
                    _allocation("art-155", "g-south", 1, "defensive", 2, 80),
                    _allocation("fpv", "g-east", 3, "stabilization", 1, 200),
                ],
            )
            session.execute(
                update(Contract)
                .where(Contract.id.in_([world.c1, world.c2]))
                .values(plan_run_id=run.id)
            )
        north, south = "logistics", "south"
        produced(world, "producer", "p-1", contract=world.c1, day="2026-11-03", quantity=200)
        produced(world, "producer", "p-2", contract=world.c1, day="2026-11-16", quantity=40)
        receipt(
            world,
            north,
            "n-1",
            depot="d-north",
            contract=world.c1,
            day="2026-11-05",
            accepted=120,
            rejected=10,
        )
        receipt(
            world, north, "n-2", depot="d-north", contract=world.c1, day="2026-11-10", accepted=60
        )
        receipt(
            world, south, "s-1", depot="d-south", contract=world.c2, day="2026-11-12", accepted=300
        )
        dispatch(
            world,
            north,
            "n-3",
            depot="d-north",
            item="art-155",
            grouping="g-east",
            day="2026-11-08",
            quantity=120,
        )
        dispatch(
            world,
            north,
            "n-4",
            depot="d-north",
            item="art-155",
            grouping="g-east",
            day="2026-11-20",
            quantity=10,
        )
        dispatch(
            world,
            south,
            "s-2",
            depot="d-south",
            item="fpv",
            grouping="g-east",
            day="2026-11-13",
            quantity=250,
        )
        dispatch(
            world,
            south,
            "s-3",
            depot="d-south",
            item="fpv",
            grouping="g-south",
            day="2026-11-13",
            quantity=20,
        )
        return world

    def report(self, world: World, user: str, **params: Any) -> dict[str, Any]:
        response = world.api.get(user, f"{API}/reports/plan-vs-actual", params=params)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def test_contracts_against_their_schedules(self, progress: World) -> None:
        report = self.report(progress, "planner", as_of="2026-11-15")

        # C-1: due 100 (October) + 300 x 15/30 = 250; accepted 180, so 70 late. Done 200 in
        # the 46 days since 1 October; 46 days are left to 31 December: 200 x 92/46 = 400 of
        # 700 at that pace: at risk. C-2: due 600 x 15/30 = 300, all accepted; 300 in 15 days
        # with 15 left reaches 600: not at risk. C-3 is a draft: not in force.
        keep = ("number", "status", "scheduled_total", "scheduled_to_date", "produced_to_date",
                "accepted_to_date", "late", "projected_total", "at_risk", "first_month", "last_month")  # fmt: skip
        assert [{k: row[k] for k in keep} for row in report["contracts"]] == [
            {
                "number": "C-1", "status": "in_delivery", "scheduled_total": 700,
                "scheduled_to_date": 250, "produced_to_date": 200, "accepted_to_date": 180,
                "late": 70, "projected_total": 400, "at_risk": True,
                "first_month": "2026-10", "last_month": "2026-12",
            },
            {
                "number": "C-2", "status": "in_delivery", "scheduled_total": 600,
                "scheduled_to_date": 300, "produced_to_date": 0, "accepted_to_date": 300,
                "late": 0, "projected_total": 600, "at_risk": False,
                "first_month": "2026-11", "last_month": "2026-11",
            },
        ]  # fmt: skip

    def test_the_pace_never_projects_beyond_the_schedule(self, progress: World) -> None:
        # C-2 on 13 November: 300 accepted in 13 days, 17 left: 300 x 30/13 = 692.3 at that
        # pace, but the contract is for 600: 600 is projected, 300 left.
        report = self.report(progress, "planner", as_of="2026-11-13")

        c2 = next(row for row in report["contracts"] if row["number"] == "C-2")
        assert (c2["projected_total"], c2["left"], c2["at_risk"]) == (600, 300, False)

    def test_accepted_above_produced_is_flagged(self, progress: World) -> None:
        # C-1: produced 200, accepted 180: nothing to flag. C-2: p2 reported nothing, the depot
        # accepted 300: 300 above produced.
        report = self.report(progress, "planner", as_of="2026-11-15")

        assert {row["number"]: row["accepted_above_produced"] for row in report["contracts"]} == {
            "C-1": 0,
            "C-2": 300,
        }

    def test_a_completed_contract_projects_nothing_and_is_not_late(self, progress: World) -> None:
        # C-2 gets its other 300 on the 20th and is completed: as of the 25th 600 x 25/30 = 500
        # was due and 600 accepted; nothing is left, nothing projected, nothing late.
        receipt(
            progress, "south", "s-2", depot="d-south", contract=progress.c2, day="2026-11-20",
            accepted=300,
        )  # fmt: skip
        version = progress.api.get("planner", f"{API}/contracts/{progress.c2}").json()["version"]
        completed = progress.api.post(
            "planner", f"{API}/contracts/{progress.c2}/complete", json={"version": version}
        )
        assert completed.status_code == 200, completed.text

        report = self.report(progress, "planner", as_of="2026-11-25")

        c2 = next(row for row in report["contracts"] if row["number"] == "C-2")
        keep = ("status", "scheduled_to_date", "accepted_to_date", "late", "left",
                "projected_total", "at_risk")  # fmt: skip
        assert {k: c2[k] for k in keep} == {
            "status": "completed", "scheduled_to_date": 500, "accepted_to_date": 600,
            "late": 0, "left": 0, "projected_total": None, "at_risk": False,
        }  # fmt: skip

    def test_need_classes_share_dispatches_by_priority(self, progress: World) -> None:
        report = self.report(progress, "planner", as_of="2026-11-15")

        # art-155 to g-east: 120 dispatched by the 15th; priority 1 is due 50 + 100/2 = 100
        # and gets it, priority 2 is due 60/2 = 30 and gets the other 20. fpv to g-east: 250
        # against 100 due: 100, then up to its whole 200, and 50 beyond the plan; fpv to
        # g-south was never planned.
        assert report["plan_start"] == "2026-10"
        rows = [tuple(row.values()) for row in report["need_classes"]]
        assert rows == [
            # item, grouping, priority, operation, planned, due, dispatched, short
            ("art-155", "g-east", 1, "defensive", 150, 100, 100, 0),
            ("art-155", "g-east", 2, "offensive", 60, 30, 20, 10),
            ("art-155", "g-south", 1, "defensive", 80, 0, 0, 0),
            ("fpv", "g-east", 3, "stabilization", 200, 100, 200, 0),
            ("fpv", "g-east", None, None, 0, 0, 50, 0),
            ("fpv", "g-south", None, None, 0, 0, 20, 0),
        ]

    def test_each_caller_sees_its_own_contracts_and_only_planners_see_need_classes(
        self, progress: World
    ) -> None:
        seen = {
            user: self.report(progress, user, as_of="2026-11-15")
            for user in ("auditor", "producer", "partner", "logistics")
        }

        assert {
            user: ([row["number"] for row in report["contracts"]], len(report["need_classes"]))
            for user, report in seen.items()
        } == {
            "auditor": (["C-1", "C-2"], 6),
            "producer": (["C-1"], 0),
            "partner": (["C-2"], 0),
            "logistics": ([], 0),
        }

    def test_the_end_of_the_month_counts_the_whole_month(self, progress: World) -> None:
        report = self.report(progress, "planner", as_of="2026-11-30")

        due = {row["number"]: row["scheduled_to_date"] for row in report["contracts"]}
        assert due == {"C-1": 400, "C-2": 600}

    def test_an_unknown_plan_run_is_404(self, progress: World) -> None:
        response = progress.api.get(
            "planner",
            f"{API}/reports/plan-vs-actual",
            params={"as_of": "2026-11-15", "plan_run": 99999},
        )

        assert (response.status_code, response.json()["detail"]) == (
            404,
            "plan run 99999 not found",
        )

    def test_the_command_line_prints_it(self, progress: World, tmp_path: Path) -> None:
        url = progress.engine.url.render_as_string(hide_password=False)
        workbook = tmp_path / "pva.xlsx"

        result = CliRunner(env={"KUZNIA_DATABASE_URL": url, "COLUMNS": "160"}).invoke(
            kuznia, ["report", "plan-vs-actual", "--as-of", "2026-11-15", "--excel", str(workbook)]
        )

        assert result.exit_code == 0, result.output
        assert "2 contracts: 1 late, 1 at risk." in result.output
        assert load_workbook(workbook).sheetnames == ["Read me", "Contracts", "Need classes"]


def _allocation(
    item: str, grouping: str, priority: int, operation: str, month: int, served: float
) -> dict[str, Any]:
    return {
        "item": item,
        "grouping": grouping,
        "priority": priority,
        "operation": operation,
        "month": month,
        "served": served,
    }
