"""A foreign shortfall by supplier country resolved into cuts per item and run of months
(kuznia.workbench.countries, decision 0016), worked out by hand."""

from __future__ import annotations

import pytest

from kuznia.errors import InvalidInput
from kuznia.workbench.countries import ExpectedSupply, resolve_countries

# a: 100 from PL in months 0, 1 and 3 (nothing in 2); b: 30 from PL and 90 from DE in month 1,
# 50 from nobody known in month 2
SUPPLY = ExpectedSupply(
    rows=[
        ("a", 0, 100.0, "PL"),
        ("a", 1, 100.0, "PL"),
        ("a", 3, 100.0, "PL"),
        ("b", 1, 30.0, "PL"),
        ("b", 1, 90.0, "DE"),
        ("b", 2, 50.0, None),
    ],
    months=4,
)


def request(**fields: object) -> dict[str, object]:
    return {"kind": "foreign_supply_cut", "country": "PL", **fields}


def test_equal_shares_of_consecutive_months_make_one_cut_and_a_gap_two() -> None:
    cuts = resolve_countries([request(share=0.5)], SUPPLY)

    # a: 0.5 of all in months 0-1, again in month 3; b: 0.5 * 30 / 120 in month 1
    assert cuts == [
        {**request(items=["a"], first_month=0, last_month=1, share=0.5)},
        {**request(items=["a"], first_month=3, last_month=3, share=0.5)},
        {**request(items=["b"], first_month=1, last_month=1, share=0.125)},
    ]


def test_the_months_chosen_bound_the_cuts_and_other_changes_stay_in_place() -> None:
    strike = {"kind": "capacity_loss", "producers": ["p"]}

    cuts = resolve_countries([strike, request(share=1.0, first_month=1, last_month=2)], SUPPLY)

    assert cuts == [
        strike,
        {**request(items=["a"], first_month=1, last_month=1, share=1.0)},
        {**request(items=["b"], first_month=1, last_month=1, share=0.25)},
    ]


def test_a_country_already_resolved_is_left_as_it_is() -> None:
    resolved = request(items=["a"], first_month=0, last_month=0, share=0.5)

    assert resolve_countries([resolved], SUPPLY) == [resolved]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (request(country="FR"), 'unknown supplier country "FR": the registry expects foreign '
         "supply from DE, PL"),
        (request(first_month=2, last_month=2), 'supplier country "PL" is expected to deliver '
         "nothing in months 2..2"),
    ],
)  # fmt: skip
def test_an_unknown_country_or_empty_months_is_refused_naming_the_field(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        resolve_countries([{"kind": "need_surge", "factor": 2}, change], SUPPLY)

    assert [(p.field, p.message) for p in raised.value.problems] == [
        ("changes[1].country", message)
    ]
