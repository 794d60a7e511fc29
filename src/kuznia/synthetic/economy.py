"""Employees per producer and a few export offers for the synthetic instances (only with
`generate(..., economy=True)`; illustrative, see `kuznia.synthetic.generate`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from kuznia.synthetic.catalog import PARTNER_COUNTRIES
from kuznia.synthetic.draws import FloatArray, round_sig

# export offers per size (economy=True)
EXPORT_OFFERS = {"tiny": 1, "small": 2, "national": 6, "national-x10": 8}
_PERSON_YEAR_OUTPUT = 150_000.0  # US$ of yearly output per person employed (illustrative)


def add_economy(document: dict[str, Any], size: str, rng: np.random.Generator) -> None:
    """Employees per producer and a few export offers (illustrative; module docstring)."""
    months = document["months"]

    def per_month(value: Any) -> FloatArray:
        return np.asarray(value if isinstance(value, list) else [value] * months, dtype=float)

    yearly: dict[str, float] = {}
    capacity_of: dict[str, FloatArray] = {}
    prices_of: dict[str, list[float]] = {}
    for line in document["lines"]:
        capacity, price = per_month(line["capacity"]), per_month(line["price"])
        value = float((capacity * price).mean()) * 12
        yearly[line["producer"]] = yearly.get(line["producer"], 0.0) + value
        capacity_of[line["item"]] = capacity_of.get(line["item"], np.zeros(months)) + capacity
        prices_of.setdefault(line["item"], []).append(float(np.median(price)))
    for producer in document["producers"]:
        people = yearly.get(producer["id"], 0.0) / _PERSON_YEAR_OUTPUT
        producer["employees"] = max(20, int(round(people * rng.uniform(0.8, 1.2), -1)))
    items = sorted(capacity_of)
    count = min(EXPORT_OFFERS.get(size, 0), len(items))
    chosen = rng.choice(len(items), size=count, replace=False)
    orders = []
    for k, index in enumerate(sorted(chosen.tolist()), 1):
        item = items[index]
        month = int(rng.integers(months // 2, months))
        quantity = float(capacity_of[item][month]) * rng.uniform(0.1, 0.3)
        offer_price = float(np.median(prices_of[item])) * rng.uniform(1.05, 1.4)
        orders.append(
            {
                "id": f"x{k:03d}",
                "item": item,
                "month": month,
                "quantity": max(1, int(round_sig(np.array([quantity]), 2)[0])),
                "price": float(round_sig(np.array([offer_price]), 3)[0]),
                "buyer": PARTNER_COUNTRIES[int(rng.integers(len(PARTNER_COUNTRIES)))],
            }
        )
    document["export_orders"] = orders


# --- rounding -------------------------------------------------------------------------------
