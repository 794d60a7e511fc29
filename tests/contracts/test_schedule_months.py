"""The contract page's months: which are behind (red), by hand."""

from __future__ import annotations

from datetime import date

from kuznia.contracts.reads import schedule_against_accepted
from kuznia.contracts.schemas import DeliveryRead

SCHEDULE = [
    DeliveryRead(month="2026-10", quantity=100.0, price=1.0, value=100.0),
    DeliveryRead(month="2026-11", quantity=100.0, price=1.0, value=100.0),
]


def test_months_short_of_the_schedule_so_far_are_late() -> None:
    # 150 accepted in November: October is 0 of 100 so far, November 150 of 200.
    months = schedule_against_accepted(
        SCHEDULE, [{"day": date(2026, 11, 20), "accepted": 150}], date(2026, 12, 5)
    )

    assert [(m.month, m.accepted_so_far, m.late) for m in months] == [
        ("2026-10", 0.0, True),
        ("2026-11", 150.0, True),
    ]


def test_no_month_is_red_once_everything_was_accepted() -> None:
    # all 200 came in November: October was behind then, but the contract is delivered.
    months = schedule_against_accepted(
        SCHEDULE, [{"day": date(2026, 11, 20), "accepted": 200}], date(2026, 12, 5)
    )

    assert [(m.month, m.accepted_so_far, m.late) for m in months] == [
        ("2026-10", 0.0, False),
        ("2026-11", 200.0, False),
    ]


def test_the_current_month_is_never_late_yet() -> None:
    months = schedule_against_accepted(SCHEDULE, [], date(2026, 11, 5))

    assert [m.late for m in months] == [True, False]
