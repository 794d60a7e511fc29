"""Synthetic needs by grouping, month, operation and tier; foreign supply (and its supplier
countries, for the registry), initial stock and commitments."""

from __future__ import annotations

from typing import Any

import numpy as np

from kuznia.instance import Instance
from kuznia.synthetic.calibration import (
    COMMITMENT_BUDGET_SHARE,
    HOT_ITEM_FACTOR,
    HOT_ITEM_SHARE,
    OPERATIONS,
    POSTURE_FACTORS,
    POSTURE_SHARES,
    TIER_PRESENCE,
    TIER_SHARES,
)
from kuznia.synthetic.catalog import (
    PARTNER_COUNTRIES,
    ItemSpec,
    SizeSpec,
)
from kuznia.synthetic.draws import (
    FloatArray,
    floor_sig,
    pick,
    round_quantity,
)
from kuznia.synthetic.industry import Industry

# The random stream of supplier countries, apart from the instance's own eight streams: the
# instance of a seed stays what it was.
SUPPLIER_STREAM = 0x5C

# --- needs, foreign supply, stock -----------------------------------------------------------


def draw_needs(
    spec: SizeSpec,
    items: list[ItemSpec],
    industry: Industry,
    budgets: FloatArray,
    rng: np.random.Generator,
) -> tuple[list[dict[str, Any]], FloatArray]:
    """Needs by item, grouping, month and tier; returns the records and total need (items x months).

    The domestic part of tier k's need is worth TIER_SHARES[k] of the month's money, spread over
    items like the capacity (with noise and a few hot items); foreign supply comes on top.
    """
    months, n_items, n_groupings = spec.months, len(items), spec.groupings
    t = np.arange(months)
    # A year's money is spread over that year's months of the horizon (all 12 but in `tiny`).
    year = t // 12
    money = budgets.sum(axis=0)[year] / np.bincount(year)[year]

    # Items: needed like they can be made, give or take; a few are needed well beyond that.
    capacity_value = np.bincount(
        industry.item,
        weights=industry.final_capacity * industry.base_price,
        minlength=n_items,
    )
    hot = rng.random(n_items) < HOT_ITEM_SHARE
    weight = capacity_value * rng.lognormal(0.0, 0.25, n_items) * np.where(hot, HOT_ITEM_FACTOR, 1)
    weight /= weight.sum()
    price = np.array([item.price for item in items])
    foreign_share = np.array([item.foreign_share for item in items])
    # Whole need of a tier-share 1 (quantity, items x months), domestic plus foreign.
    unit_need = weight[:, None] * money[None, :] / (1.0 - foreign_share[:, None]) / price[:, None]

    # Groupings: phases of 4-12 months of one operation type each.
    posture = np.zeros((n_groupings, months), dtype=np.int64)
    for g in range(n_groupings):
        month = 0
        while month < months:
            length = int(rng.integers(4, 13))
            posture[g, month : month + length] = pick(np.array(POSTURE_SHARES), rng.random(1))[0]
            month += length
    categories = sorted({item.category for item in items})
    category_of_item = np.array([categories.index(item.category) for item in items])
    affinity = rng.dirichlet(np.full(n_groupings, 2.0), len(categories))
    if "naval_drones" in categories and spec.coastal_groupings > 0:
        affinity[categories.index("naval_drones"), spec.coastal_groupings :] = 0.0
    present = affinity[category_of_item] * (rng.random((n_items, n_groupings)) < 0.85)
    best = affinity[category_of_item].argmax(axis=1)
    present[np.arange(n_items), best] = affinity[category_of_item][np.arange(n_items), best]
    share = present[:, :, None] * np.array(POSTURE_FACTORS)[posture][None, :, :]
    share /= share.sum(axis=1, keepdims=True)

    tiers = np.array(TIER_SHARES[: spec.tiers])
    tier_split = rng.dirichlet(30.0 * tiers / tiers.sum(), (n_items, n_groupings)) * tiers.sum()
    tier_split *= (
        rng.random((n_items, n_groupings, len(tiers))) < np.array(TIER_PRESENCE)[: spec.tiers]
    )
    noise = rng.lognormal(0.0, 0.15, (n_items, n_groupings, months, len(tiers)))
    quantity = (
        unit_need[:, None, :, None] * share[:, :, :, None] * tier_split[:, :, None, :] * noise
    )
    rounded = round_quantity(quantity, rng)
    total = rounded.sum(axis=(1, 3)).astype(np.float64)

    at_item, at_grouping, at_month, at_tier = np.nonzero(rounded)
    item_ids = [item.id for item in items]
    records = [
        {
            "item": item_ids[a],
            "grouping": f"g-{b + 1:02d}",
            "month": c,
            "quantity": q,
            "operation": OPERATIONS[o],
            "priority": d + 1,
        }
        for a, b, c, d, q, o in zip(
            at_item.tolist(),
            at_grouping.tolist(),
            at_month.tolist(),
            at_tier.tolist(),
            rounded[at_item, at_grouping, at_month, at_tier].tolist(),
            posture[at_grouping, at_month].tolist(),
            strict=True,
        )
    ]
    return records, total


def draw_foreign_supply(
    items: list[ItemSpec], need_total: FloatArray, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Expected deliveries from partners: a share of the need of some items, lumpy by month."""
    foreign_share = np.array([item.foreign_share for item in items])
    arrives = rng.random(need_total.shape) < 0.75
    lumps = rng.lognormal(0.0, 0.3, need_total.shape) * arrives / 0.75
    quantity = round_quantity(foreign_share[:, None] * need_total * lumps, rng)
    i, m = np.nonzero(quantity)
    return [
        {"item": items[a].id, "month": b, "quantity": q}
        for a, b, q in zip(i.tolist(), m.tolist(), quantity[i, m].tolist(), strict=True)
    ]


def supplier_countries(instance: Instance, *, seed: int) -> list[str]:
    """A plausible supplier country for each foreign supply record of `instance`, in its order
    (synthetic, like everything here): each item comes from one to three partner countries,
    the first of them most often. The same instance and seed, the same countries; the instance
    format has none (decision 0016), so they go to the registry beside it."""
    rng = np.random.default_rng([seed, SUPPLIER_STREAM])
    sources: dict[str, tuple[list[str], FloatArray]] = {}
    for item in sorted({record.item for record in instance.foreign_supply}):
        count = int(rng.integers(1, 4))
        chosen = rng.choice(len(PARTNER_COUNTRIES), size=count, replace=False)
        weights = np.array([0.6, 0.3, 0.1][:count])
        sources[item] = ([PARTNER_COUNTRIES[c] for c in chosen], weights / weights.sum())
    countries = []
    for record in instance.foreign_supply:
        codes, weights = sources[record.item]
        countries.append(codes[int(rng.choice(len(codes), p=weights))])
    return countries


def draw_stock(
    items: list[ItemSpec], need_total: FloatArray, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Initial stock: up to a month of need, none for some items."""
    held = rng.random(len(items)) < 0.85
    quantity = round_quantity(rng.uniform(0.2, 1.0, len(items)) * need_total[:, 0] * held, rng)
    return [
        {"item": item.id, "quantity": q}
        for item, q in zip(items, quantity.tolist(), strict=True)
        if q > 0
    ]


# --- commitments ----------------------------------------------------------------------------


def draw_commitments(
    spec: SizeSpec, industry: Industry, state_budget: FloatArray, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Signed contracts in the first 1-3 months: 30-80% of capacity of some lines.

    Mostly on lines whose lead time keeps new orders out of those months (that is what they are
    for); the state budget, eligible for every line, can pay them within a fifth of a year.
    """
    capacity = industry.capacity
    usable = np.flatnonzero(capacity[:, 0] >= 2)
    count = min(spec.commitments, len(usable))
    weight = np.where(industry.lead_time[usable] >= 1, 3.0, 1.0)
    lines = np.sort(rng.choice(usable, size=count, replace=False, p=weight / weight.sum()))
    spent = np.zeros(len(state_budget))
    records: list[dict[str, Any]] = []
    for line in lines.tolist():
        n_months = min(int(rng.integers(1, 4)), spec.months)
        fraction = rng.uniform(0.3, 0.8, n_months)
        quantity = floor_sig(fraction * capacity[line, :n_months], 2).astype(np.int64)
        cost = np.bincount(
            np.arange(n_months) // 12,
            weights=quantity * industry.price[line, :n_months],
            minlength=len(spent),
        )
        if ((spent + cost) > COMMITMENT_BUDGET_SHARE * state_budget).any():
            continue
        spent += cost
        records.extend(
            {"line": industry.ids[line], "month": month, "quantity": q}
            for month, q in enumerate(quantity.tolist())
            if q > 0
        )
    return records
