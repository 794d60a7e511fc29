"""Synthetic producers, their lines (capacity, price, ramps, lead times) and expansion
options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kuznia.synthetic.calibration import (
    EXPANSION_SHARE,
    OWNERSHIP_SHARES,
    OWNERSHIPS,
    PRIMARY_CATEGORY_SHARE,
)
from kuznia.synthetic.catalog import (
    CATEGORIES,
    CATEGORY_BY_NAME,
    PARTNER_COUNTRIES,
    ItemSpec,
    SizeSpec,
)
from kuznia.synthetic.draws import (
    BoolArray,
    FloatArray,
    IntArray,
    floor_sig,
    id_width,
    pick,
    round_quantity,
    round_sig,
)

# --- producers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Producers:
    ids: list[str]
    names: list[str]
    ownership: IntArray  # index into OWNERSHIPS
    region: IntArray  # index into regions
    regions: list[str]
    size: FloatArray  # relative size: more and larger lines
    partners: list[list[dict[str, Any]]]

    def records(self) -> list[dict[str, Any]]:
        return [
            {
                "id": producer_id,
                "name": name,
                "ownership": OWNERSHIPS[ownership],
                "region": self.regions[region],
                "partners": partners,
            }
            for producer_id, name, ownership, region, partners in zip(
                self.ids,
                self.names,
                self.ownership.tolist(),
                self.region.tolist(),
                self.partners,
                strict=True,
            )
        ]


def draw_producers(spec: SizeSpec, regions: list[str], rng: np.random.Generator) -> Producers:
    """Producers with ownership, region (uneven spread) and, for joint ventures, partners."""
    count = spec.producers
    ownership = pick(np.array(OWNERSHIP_SHARES), rng.random(count))
    # Every kind of ownership is present, even in the tiny instance.
    ownership[: len(OWNERSHIPS)] = rng.permutation(len(OWNERSHIPS))[: min(count, len(OWNERSHIPS))]
    region_weights = rng.dirichlet(np.full(len(regions), 1.5))
    region = pick(region_weights, rng.random(count))
    # Every region has at least one producer (a region's name means something is there).
    if count >= len(regions):
        region[rng.permutation(count)[: len(regions)]] = np.arange(len(regions))
    size = rng.lognormal(0.0, 0.8, count)

    width = id_width(count)
    # Names by ownership, in the order of OWNERSHIPS.
    labels = ("Zavod-{:0{w}d}", "Producer {:0{w}d}", "Joint Venture {:0{w}d}")
    ids = [f"p{n:0{width}d}" for n in range(1, count + 1)]
    names = [labels[kind].format(n, w=width) for n, kind in enumerate(ownership.tolist(), 1)]

    partners: list[list[dict[str, Any]]] = []
    for kind in ownership.tolist():
        if OWNERSHIPS[kind] != "joint_venture":
            partners.append([])
            continue
        n_partners = 1 + int(rng.random() < 0.3)
        countries = rng.choice(len(PARTNER_COUNTRIES), size=n_partners, replace=False)
        total = rng.uniform(0.2, 0.49)
        split = rng.dirichlet(np.full(n_partners, 4.0)) * total
        shares = np.maximum(np.round(split, 3), 0.01)
        partners.append(
            [
                {"country": PARTNER_COUNTRIES[c], "share": float(s)}
                for c, s in zip(countries.tolist(), shares.tolist(), strict=True)
            ]
        )
    return Producers(ids, names, ownership, region, regions, size, partners)


# --- lines ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Industry:
    ids: list[str]
    producer_ids: list[str]
    producer: IntArray  # producer index of each line
    item: IntArray  # item index of each line
    item_ids: list[str]
    category: IntArray  # category index (into the instance's categories) of each line
    categories: list[str]
    capacity: IntArray  # lines x months
    final_capacity: IntArray
    price: FloatArray  # lines x months
    base_price: FloatArray
    varying_capacity: BoolArray
    varying_price: BoolArray
    lead_time: IntArray
    min_rate: IntArray

    def records(self) -> list[dict[str, Any]]:
        capacity_rows = self.capacity.tolist()
        price_rows = self.price.tolist()
        final = self.final_capacity.tolist()
        base = self.base_price.tolist()
        return [
            {
                "id": self.ids[k],
                "producer": self.producer_ids[p],
                "item": self.item_ids[i],
                "capacity": capacity_rows[k] if ramp else final[k],
                "price": price_rows[k] if indexed else base[k],
                "lead_time": lead,
                "min_rate": rate,
            }
            for k, (p, i, ramp, indexed, lead, rate) in enumerate(
                zip(
                    self.producer.tolist(),
                    self.item.tolist(),
                    self.varying_capacity.tolist(),
                    self.varying_price.tolist(),
                    self.lead_time.tolist(),
                    self.min_rate.tolist(),
                    strict=True,
                )
            )
        ]

    def year_value(self, months: int) -> FloatArray:
        """Capacity value per year of the horizon: sum of capacity x price, USD."""
        monthly = (self.capacity * self.price).sum(axis=0)
        years = np.arange(months) // 12
        return np.bincount(years, weights=monthly).astype(np.float64)


def _line_counts(total: int, size: FloatArray, cap: int, rng: np.random.Generator) -> IntArray:
    """Lines per producer: at least one, the rest in proportion to size, at most `cap`."""
    count = len(size)
    if total > count * cap:
        raise ValueError(f"{total} lines do not fit {count} producers of at most {cap} lines")
    counts = 1 + rng.multinomial(total - count, size / size.sum()).astype(np.int64)
    while (counts > cap).any():
        excess = int((counts - cap).clip(min=0).sum())
        counts = np.minimum(counts, cap)
        room = (counts < cap).astype(np.float64) * size
        counts += rng.multinomial(excess, room / room.sum()).astype(np.int64)
    return counts


def draw_industry(
    spec: SizeSpec, items: list[ItemSpec], producers: Producers, rng: np.random.Generator
) -> Industry:
    """Lines: which producer makes which item, capacity by month (ramps), price, lead time."""
    categories = [c.name for c in CATEGORIES if any(item.category == c.name for item in items)]
    category_of_item = np.array([categories.index(item.category) for item in items])
    item_weight = np.array([item.weight for item in items])
    category_specs = [CATEGORY_BY_NAME[name] for name in categories]
    line_share = np.array([c.line_share for c in category_specs])

    cap = min(spec.max_lines_per_producer, len(items))
    counts = _line_counts(spec.lines, producers.size, cap, rng)
    n_lines = int(counts.sum())
    producer = np.repeat(np.arange(len(counts)), counts)
    first_of_producer = np.zeros(n_lines, dtype=bool)
    first_of_producer[np.cumsum(counts) - counts] = True

    # Each producer specialises in one category; most of its lines are in it.
    primary = pick(line_share, rng.random(len(counts)))
    other = pick(line_share, rng.random(n_lines))
    from_primary = first_of_producer | (rng.random(n_lines) < PRIMARY_CATEGORY_SHARE)
    line_category = np.where(from_primary, primary[producer], other)
    uniform = rng.random(n_lines)
    item = np.zeros(n_lines, dtype=np.int64)
    for c in range(len(categories)):
        in_category = np.flatnonzero(line_category == c)
        members = np.flatnonzero(category_of_item == c)
        item[in_category] = members[pick(item_weight[members], uniform[in_category])]
    item = _distinct_items(item, counts, category_of_item, item_weight, rng)
    item = _every_item_made(item, len(items), rng)
    category = category_of_item[item]

    months = spec.months
    t = np.arange(months)
    reference_price = np.array([it.price for it in items])
    base_price = round_sig(
        reference_price[item] * np.exp(rng.normal(0.0, 0.1, n_lines)).clip(0.8, 1.3), 3
    )

    # Capacity at full ramp: the category's share of the capacity value, split by line weight.
    capacity_share = np.array([c.capacity_share for c in category_specs])
    capacity_share /= capacity_share.sum()
    line_weight = np.sqrt(producers.size[producer]) * rng.lognormal(0.0, 0.5, n_lines)
    category_weight = np.bincount(category, weights=line_weight, minlength=len(categories))
    final_value = spec.capacity_value * capacity_share[category] * line_weight
    final_value /= category_weight[category]
    final_capacity = np.maximum(round_quantity(final_value / base_price, rng), 1)

    # Ramps: from 1/factor of full capacity, linearly over 10-12 months from month 0-2.
    ramp_share = np.array([c.ramp_share for c in category_specs])
    ramp_low = np.array([c.ramp_factor[0] for c in category_specs])
    ramp_high = np.array([c.ramp_factor[1] for c in category_specs])
    ramping = rng.random(n_lines) < ramp_share[category]
    factor = ramp_low[category] + (ramp_high - ramp_low)[category] * rng.random(n_lines)
    ramp_months = rng.integers(10, 13, n_lines)
    ramp_start = pick(np.array([0.6, 0.25, 0.15]), rng.random(n_lines))
    progress = ((t[None, :] - ramp_start[:, None]) / ramp_months[:, None]).clip(0.0, 1.0)
    progress = np.where(ramping[:, None], progress, 1.0)
    fraction = 1.0 / factor[:, None] + (1.0 - 1.0 / factor[:, None]) * progress
    capacity = np.rint(round_sig(final_capacity[:, None] * fraction, 2)).astype(np.int64)
    capacity = np.where(ramping[:, None], capacity, final_capacity[:, None])

    # Prices: 15% dearer at the start of a ramp (learning curve); some lines indexed yearly.
    indexed = ~ramping & (rng.random(n_lines) < 0.1)
    price_factor = np.where(ramping[:, None], 1.0 + 0.15 * (1.0 - progress), 1.0)
    price_factor = np.where(indexed[:, None], 1.04 ** (t[None, :] // 12), price_factor)
    price = round_sig(base_price[:, None] * price_factor, 3)

    lead_low = np.array([c.lead_time[0] for c in category_specs])
    lead_high = np.array([c.lead_time[1] for c in category_specs])
    lead_time = np.minimum(rng.integers(lead_low[category], lead_high[category] + 1), months - 1)

    # Minimum sustaining rates, mostly at state plants: 20-40% of the lowest capacity they face.
    state_owned = producers.ownership[producer] == OWNERSHIPS.index("state")
    sustained = rng.random(n_lines) < np.where(state_owned, 0.3, 0.05)
    after_lead = np.where(t[None, :] >= lead_time[:, None], capacity, np.iinfo(np.int64).max)
    lowest = after_lead.min(axis=1).astype(np.float64)
    rate = floor_sig(rng.uniform(0.2, 0.4, n_lines) * lowest, 2).astype(np.int64)
    min_rate = np.where(sustained, rate, 0)

    width = id_width(n_lines)
    return Industry(
        ids=[f"l{k:0{width}d}" for k in range(1, n_lines + 1)],
        producer_ids=producers.ids,
        producer=producer,
        item=item,
        item_ids=[it.id for it in items],
        category=category,
        categories=categories,
        capacity=capacity,
        final_capacity=final_capacity,
        price=price,
        base_price=base_price,
        varying_capacity=ramping,
        varying_price=ramping | indexed,
        lead_time=lead_time.astype(np.int64),
        min_rate=min_rate,
    )


def _distinct_items(
    item: IntArray,
    counts: IntArray,
    category_of_item: IntArray,
    item_weight: FloatArray,
    rng: np.random.Generator,
) -> IntArray:
    """Make each producer's lines make distinct items (same category where one is left)."""
    drawn = item.tolist()
    n_items = len(category_of_item)
    same_category = [np.flatnonzero(category_of_item == c).tolist() for c in category_of_item]
    start = 0
    for count in counts.tolist():
        held: set[int] = set()
        for k in range(start, start + count):
            if drawn[k] in held:
                free = [j for j in same_category[drawn[k]] if j not in held]
                if not free:
                    free = [j for j in range(n_items) if j not in held]
                choice = pick(item_weight[free], np.array([rng.random()]))[0]
                drawn[k] = free[int(choice)]
            held.add(drawn[k])
        start += count
    return np.array(drawn, dtype=np.int64)


def _every_item_made(item: IntArray, n_items: int, rng: np.random.Generator) -> IntArray:
    """Give every item at least one line, taken from the item made by the most lines.

    No producer makes a missing item yet, so the moved line stays distinct within its producer.
    """
    item = item.copy()
    for missing in range(n_items):
        if (item == missing).any():
            continue
        most = int(np.bincount(item, minlength=n_items).argmax())
        candidates = np.flatnonzero(item == most)
        item[candidates[rng.integers(len(candidates))]] = missing
    return item


def draw_expansions(
    spec: SizeSpec, industry: Industry, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Expansion options on a share of the lines: more capacity after a delay, for capex."""
    n_lines = len(industry.ids)
    count = max(1, round(EXPANSION_SHARE * n_lines))
    lines = np.sort(rng.choice(n_lines, size=count, replace=False))
    months = spec.months
    later = rng.integers(1, max(2, min(13, months - 3)), count)
    start = np.where(rng.random(count) < 0.6, 0, later)
    start = np.minimum(start, months - 1)
    delay = np.minimum(rng.integers(3, 10, count), np.maximum(months - 1 - start, 0))
    added = np.maximum(
        round_quantity(industry.final_capacity[lines] * rng.uniform(0.5, 1.5, count), rng), 1
    )
    capex = round_sig(added * industry.base_price[lines] * rng.uniform(4.0, 10.0, count), 3)
    width = id_width(count)
    return [
        {
            "id": f"e{k:0{width}d}",
            "line": industry.ids[line],
            "start": s,
            "delay": d,
            "added_capacity": a,
            "capex": c,
        }
        for k, (line, s, d, a, c) in enumerate(
            zip(
                lines.tolist(),
                start.tolist(),
                delay.tolist(),
                added.tolist(),
                capex.tolist(),
                strict=True,
            ),
            1,
        )
    ]
