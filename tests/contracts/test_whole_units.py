"""Approval's schedules in whole units: largest remainder keeps the total (decision 0010)."""

from __future__ import annotations

from kuznia.contracts.terms import whole_units


def test_the_units_missing_go_to_the_largest_remainders() -> None:
    # 10.4 + 20.35 + 30.25 = 61: floors 10 + 20 + 30 = 60, the one missing unit goes to the
    # largest remainder (0.4, the first month).
    assert whole_units([10.4, 20.35, 30.25]) == [11, 20, 30]


def test_a_tie_goes_to_the_earlier_month_and_the_total_is_kept() -> None:
    # 0.5 + 0.5 + 1.0 = 2: floors 0 + 0 + 1 = 1, one unit to the earlier 0.5.
    assert whole_units([0.5, 0.5, 1.0]) == [1, 0, 1]


def test_whole_quantities_stay_as_they_are() -> None:
    assert whole_units([100.0, 300.0, 300.0]) == [100, 300, 300]
