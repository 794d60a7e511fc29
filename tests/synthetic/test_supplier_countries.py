"""Synthetic supplier countries of the foreign supply (decision 0016): partner codes, each
item from one to three countries, the same for the same instance and seed."""

from __future__ import annotations

from kuznia.synthetic import generate, supplier_countries
from kuznia.synthetic.catalog import PARTNER_COUNTRIES


def test_each_foreign_delivery_has_a_partner_country_and_an_item_at_most_three() -> None:
    instance = generate("small", seed=7)

    countries = supplier_countries(instance, seed=7)

    assert len(countries) == len(instance.foreign_supply) > 0
    assert set(countries) <= set(PARTNER_COUNTRIES)
    per_item: dict[str, set[str]] = {}
    for record, country in zip(instance.foreign_supply, countries, strict=True):
        per_item.setdefault(record.item, set()).add(country)
    assert all(1 <= len(codes) <= 3 for codes in per_item.values())
    assert len(set(countries)) > 1


def test_the_same_seed_gives_the_same_countries_and_leaves_the_instance_as_it_was() -> None:
    instance = generate("small", seed=7)

    first = supplier_countries(instance, seed=7)

    assert supplier_countries(instance, seed=7) == first
    assert supplier_countries(instance, seed=8) != first
    assert generate("small", seed=7) == instance
