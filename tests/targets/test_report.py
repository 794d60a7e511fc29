"""The targets report, worked out by hand on a small ledger (SQLite, and PostgreSQL).

Items: art-155 and art-122 (artillery_ammunition), fpv (drones). Contracts' current schedules:

    C-1 art-155 signed       2026-01 100, 2026-02 150, 2026-03 248
    C-2 art-122 draft        2026-02 50,  2026-03 62         (approved, not signed: counts)
    C-3 art-155 terminated   2026-02 40,  2026-03 40         (ended 2026-02-10: February counts)
    C-4 fpv     signed       2026-02 100, 2026-03 310

    approved plan, artillery: 2026-01 100, 2026-02 150+50+40 = 240, 2026-03 248+62 = 310

Accepted receipts (reversals carry the day of the receipt they correct):

    2026-01-10 art-155 60 (70 received, 10 rejected)     2026-01-20 art-155 30
    2026-02-05 art-155 100, reversed the same day (-100)  2026-02-06 art-155 90
    2026-02-15 art-122 40       2026-03-03 art-155 50     2026-03-05 fpv 500
    2026-03-20 art-155 70 (after the as-of day)           2026-04-01 art-155 10

    actual, artillery, as of 2026-03-10: 2026-01 90, 2026-02 130, 2026-03 50
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from kuznia.auth.permissions import Scope
from kuznia.db import session_scope
from kuznia.errors import Forbidden, InvalidInput, StaleVersion
from kuznia.models import Role
from kuznia.targets import service
from kuznia.targets.schemas import (
    TargetCreate,
    TargetProgress,
    TargetRead,
    TargetReport,
    TargetUpdate,
)

PLANNER = Scope(user_id=0, role=Role.planner, organisation_id=0)
AUDITOR = Scope(user_id=0, role=Role.auditor, organisation_id=0)
AS_OF = date(2026, 3, 10)


def add(engine: Engine, **fields: Any) -> TargetRead:
    with session_scope(engine) as session:
        return service.create_target(session=session, scope=PLANNER, body=TargetCreate(**fields))


def report(engine: Engine, as_of: date = AS_OF) -> TargetReport:
    with session_scope(engine) as session:
        return service.target_report(session=session, scope=AUDITOR, as_of=as_of)


def reasons(progress: TargetProgress) -> list[dict[str, Any]]:
    return [reason.model_dump() for reason in progress.reasons]


def months(progress: TargetProgress) -> list[tuple[Any, ...]]:
    return [(m.month, m.target, m.plan, m.actual, m.growth) for m in progress.months]


class TestReport:
    def test_a_multiple_of_a_finished_base_month_is_that_months_accepted_output(
        self, ledger: Engine
    ) -> None:
        add(ledger, category="artillery_ammunition", period="2026-03", multiple=3,
            base_month="2026-01")  # fmt: skip

        (progress,) = report(ledger).targets

        # base: January accepted 60 + 30 = 90, so the target is 3 x 90 = 270 in March
        assert (progress.base_output, progress.base_source) == (90, "actual")
        assert months(progress) == [
            ("2026-01", None, 100, 90, 1.0),
            ("2026-02", None, 240, 130, 130 / 90),
            ("2026-03", 270, 310, 50, 50 / 90),
        ]
        # the plan (310) covers the target (270); by 10 March the plan had due
        # 100 + 240 + 310 x 10/31 = 440, and 90 + 130 + 50 = 270 were accepted
        assert (progress.target_total, progress.plan_total, progress.actual_total) == (
            270, 310, 50)  # fmt: skip
        assert progress.plan_to_date == pytest.approx(440)
        assert progress.actual_to_date == 270
        assert [(c.number, c.item, c.status, c.plan, c.actual) for c in progress.contracts] == [
            ("C-1", "art-155", "signed", 100 + 150 + 248, 90 + 90 + 50),
            ("C-2", "art-122", "draft", 50 + 62, 40),
            ("C-3", "art-155", "terminated", 40, 0),
        ]
        assert progress.status == "off_track"
        assert reasons(progress) == [
            {"kind": "execution_short_of_plan", "expected": pytest.approx(440), "got": 270,
             "short": pytest.approx(170)},
        ]  # fmt: skip

    def test_a_quarters_quantity_of_one_item_spread_over_its_months(self, ledger: Engine) -> None:
        add(ledger, category="artillery_ammunition", item="art-122", period="2026-Q1",
            quantity=600)  # fmt: skip

        (progress,) = report(ledger).targets

        assert months(progress) == [
            ("2026-01", 200, 0, 0, None),
            ("2026-02", 200, 50, 40, None),
            ("2026-03", 200, 62, 0, None),
        ]
        # plan 50 + 62 = 112 of 600; due by 10 March 50 + 62 x 10/31 = 70, accepted 40
        assert reasons(progress) == [
            {"kind": "plan_short_of_target", "expected": 600, "got": 112, "short": 488},
            {"kind": "execution_short_of_plan", "expected": pytest.approx(70), "got": 40,
             "short": pytest.approx(30)},
        ]  # fmt: skip

    def test_a_base_month_without_receipts_takes_the_plans_output(self, ledger: Engine) -> None:
        add(ledger, category="drones", period="2026-04", multiple=2, base_month="2026-02")

        (progress,) = report(ledger).targets

        # February accepted no fpv: the base is its plan, 100; April's target 200, planned 0
        assert (progress.base_output, progress.base_source) == (100, "plan")
        assert months(progress) == [
            ("2026-02", None, 100, 0, None),
            ("2026-03", None, 310, 500, None),
            ("2026-04", 200, 0, 0, None),
        ]
        # due by 10 March 100 + 100 = 200, accepted 500: execution is ahead
        assert reasons(progress) == [
            {"kind": "plan_short_of_target", "expected": 200, "got": 0, "short": 200}
        ]

    def test_a_base_month_not_over_yet_takes_the_plans_output(self, ledger: Engine) -> None:
        add(ledger, category="artillery_ammunition", period="2026-04", multiple=1,
            base_month="2026-03")  # fmt: skip

        (progress,) = report(ledger).targets

        assert (progress.base_output, progress.base_source) == (310, "plan")
        assert progress.target_total == 310

    def test_a_target_met_by_plan_and_execution_is_on_track(self, ledger: Engine) -> None:
        add(ledger, category="artillery_ammunition", item="art-155", period="2026-01",
            quantity=90)  # fmt: skip

        (progress,) = report(ledger, as_of=date(2026, 1, 31)).targets

        # planned 100 >= 90; due by 31 January 100, accepted 90: short of the plan
        assert reasons(progress) == [
            {"kind": "execution_short_of_plan", "expected": 100, "got": 90, "short": 10}
        ]
        assert report(ledger, as_of=date(2026, 1, 20)).targets[0].status == "on_track"

    def test_a_base_month_that_neither_made_nor_plans_gives_no_target(self, ledger: Engine) -> None:
        add(ledger, category="drones", period="2026-03", multiple=5, base_month="2026-01")

        (progress,) = report(ledger).targets

        assert (progress.target_total, progress.base_source) == (None, None)
        assert progress.reasons[0].kind == "no_base_output"
        assert report(ledger).off_track == 1


class TestRecords:
    def test_every_bad_field_is_named(self, ledger: Engine) -> None:
        with pytest.raises(InvalidInput) as raised:
            add(ledger, category="artillery", item="fpv", period="2026-13", multiple=2)

        assert [(p.field, p.message) for p in raised.value.problems] == [
            ("category", 'unknown category "artillery"; the registry\'s items have: '
                         "artillery_ammunition, drones"),
            ("period", 'a period is a month (YYYY-MM) or a quarter (YYYY-Qn) of 1900-2199, got "2026-13"'),
            ("base_month", "a multiple needs the base month it multiplies"),
        ]  # fmt: skip

    def test_an_item_of_another_category_and_a_late_base_month_are_refused(
        self, ledger: Engine
    ) -> None:
        with pytest.raises(InvalidInput) as raised:
            add(ledger, category="drones", item="art-155", period="2026-Q2", quantity=5,
                multiple=2, base_month="2026-04")  # fmt: skip

        assert [(p.field, p.message) for p in raised.value.problems] == [
            ("item", 'item "art-155" is in category "artillery_ammunition", not "drones"'),
            ("base_month", '"2026-04" is not before the period\'s first month 2026-04'),
            ("multiple", "give a quantity or a multiple, not both"),
        ]

    def test_a_change_on_a_stale_version_changes_nothing(self, ledger: Engine) -> None:
        target = add(ledger, category="drones", period="2026-04", quantity=100)
        with session_scope(ledger) as session:
            changed = service.update_target(
                session=session, scope=PLANNER, target_id=target.id,
                body=TargetUpdate(version=1, multiple=2, base_month="2026-02"),
            )  # fmt: skip
        assert (changed.quantity, changed.multiple, changed.version) == (None, 2, 2)

        with pytest.raises(StaleVersion), session_scope(ledger) as session:
            service.update_target(
                session=session, scope=PLANNER, target_id=target.id,
                body=TargetUpdate(version=1, quantity=5),
            )  # fmt: skip

        with session_scope(ledger) as session:
            again = service.get_target(session=session, scope=AUDITOR, target_id=target.id)
        assert (again.quantity, again.multiple, again.version) == (None, 2, 2)

    def test_an_auditor_reads_but_does_not_write(self, ledger: Engine) -> None:
        with pytest.raises(Forbidden), session_scope(ledger) as session:
            service.create_target(
                session=session, scope=AUDITOR,
                body=TargetCreate(category="drones", period="2026-04", quantity=1),
            )  # fmt: skip

    def test_a_base_month_more_than_ten_years_back_and_a_year_out_of_reach_are_refused(
        self, ledger: Engine
    ) -> None:
        with pytest.raises(InvalidInput) as raised:
            add(ledger, category="drones", period="2026-12", multiple=2, base_month="2016-11")
        with pytest.raises(InvalidInput) as far:
            add(ledger, category="drones", period="0001-Q1", quantity=2)

        assert [(p.field, p.message) for p in raised.value.problems] == [
            ("base_month", '"2016-11" is more than 120 months before 2026-12')
        ]
        assert [p.field for p in far.value.problems] == ["period"]
