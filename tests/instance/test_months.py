"""Months written YYYY-MM: the arithmetic every part of Kuznia uses."""

from kuznia.instance.months import add_months, is_month, months_between


def test_adding_months_crosses_years_both_ways() -> None:
    assert add_months("2026-11", 2) == "2027-01"
    assert add_months("2026-01", -1) == "2025-12"
    assert add_months("2026-05", 0) == "2026-05"


def test_months_between_is_adding_months_undone() -> None:
    assert months_between("2026-11", "2027-02") == 3
    assert months_between("2027-02", "2026-11") == -3
    assert months_between("2026-11", add_months("2026-11", 37)) == 37


def test_a_month_is_four_digits_a_dash_and_01_to_12() -> None:
    assert [is_month(text) for text in ("2026-12", "2026-13", "2026-1", "26-01")] == [
        True,
        False,
        False,
        False,
    ]
