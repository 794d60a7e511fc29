"""Seeded synthetic instances: `tiny`, `small`, `national` and `national-x10`.

The data is invented; its aggregate shape follows the public figures in shared/FACTS.md:

- **Producers.** `national` has 500 producers (about 500 companies in the industry, state and
  private), about 20% state-owned, 70% private and 10% joint ventures whose foreign partners
  (ISO country codes only) hold 20-49%, spread unevenly over 18 synthetic regions, with about
  2,000 lines (one producer making one item). `national-x10` has ten times the producers and
  lines, for scale tests.
- **Items.** 60 illustrative items in 12 categories (catalog.py), each with an illustrative
  reference price: a 155 mm round about US$3,000, an FPV drone US$250-900, an armoured vehicle
  US$0.8-2.5 M, a missile US$0.5-2 M. A line's price scatters about 10% around it.
- **Capacity.** The lines' capacity at full ramp is worth about US$2.1 bn a month (~US$25 bn a
  year) in `national`. Category shares put drones near the stated ~4 million a year and
  artillery ammunition near 3 million rounds a year. Some lines ramp up x5 to x20 over 10-12
  months (artillery ammunition x10-x20, armoured vehicles x5-x6: the x20 and x5 growth over 10
  months of 2023), with prices falling along the ramp; the rest are flat. Lead times run 0-6
  months by category; some lines have a minimum sustaining rate, 15% have an expansion option
  (capex of 4-10 months of the added output, 3-9 months delay).
- **Money.** The state budget of each year is the capacity value of the year's months in the
  horizon divided by about 3 ("capacity about 3x the budget" for domestic procurement in 2024),
  which lands at US$7-9 bn a year in `national` (about US$6 bn contracted with domestic
  producers in 2024, about US$10 bn in all).
  Partner funds add up to about 45% of it: country programmes ("Danish model": DK first, CA
  next, then others) restricted to categories, ownership, vetted producer lists or regions, an EU
  instrument for ammunition and missiles, and the joint ventures' own money. The money is then
  about half the capacity value: the budget binds, not the industry, and US$10-14 bn a year of
  capacity goes unfunded (the reported gap was about US$10 bn). `national-x10` scales capacity,
  money and needs by ten, so its shape is the same.
- **Needs.** Each grouping passes through defensive, offensive and stabilisation phases (needs
  are prioritised by operation type). The domestic part of priority tier 1 is worth about 70%
  of the month's money at reference prices, tier 2 about 55% more, tier 3 about 35% more.
  Bought at the cheapest eligible lines the money goes about 1.2 times as far, so tier 1 is
  (nearly) covered and the lower tiers go partly short: an aggregated LP of `national` (seeds 3
  and 7, no expansions) served 97-100% of tier 1, 67-72% of tier 2 and about 30% of tier 3 by
  value. A few "hot" items are
  needed beyond their capacity, so expansions matter.
- **Foreign supply** covers a real share of some categories (artillery ammunition, missiles,
  armoured vehicles, artillery systems, air defence), lumpy from month to month; initial stock
  is up to a month of need; a few commitments (signed contracts) fill part of the capacity of
  some lines in the first months, within capacity and payable by the state budget.

- **Economy (only with `economy=True`, off by default).** Producers get `employees`: their
  lines' yearly output value at full capacity over about US$150,000 a person, rounded to tens,
  20 at least. Foreign buyers (partner country codes, illustrative) offer a handful of export
  orders (1 in `tiny`, 2 in `small`, 6 in `national`, 8 in `national-x10`) in the second half of
  the horizon: items with lines, 10-30% of a month's capacity of the item, at 5-40% above the
  median line price. Off by default because the registry does not store these fields yet (a
  registry round trip of the instance would lose them); the default should flip once it does.
  Drawn from a stream of their own, so the rest of the instance is the same either way.

Everything is drawn from `numpy.random.default_rng(seed)`: the same seed gives the same instance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kuznia.instance.schema import FORMAT, Instance
from kuznia.synthetic.catalog import (
    CATEGORIES,
    CATEGORY_BY_NAME,
    FUND_BY_ID,
    FUNDS,
    ITEMS,
    PARTNER_COUNTRIES,
    FundSpec,
    ItemSpec,
    SizeSpec,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

START = "2026-01"
START_YEAR = 2026
OPERATIONS: tuple[str, ...] = ("defensive", "offensive", "stabilization")
OWNERSHIPS: tuple[str, ...] = ("state", "private", "joint_venture")

# Shares of producers by ownership, and of lines by their producer's main category.
OWNERSHIP_SHARES = (0.2, 0.7, 0.1)
PRIMARY_CATEGORY_SHARE = 0.7
# Money: state budget = capacity value of the year / ~3 (FACTS.md).
CAPACITY_TO_STATE_BUDGET = (2.85, 3.15)
# Needs of each tier, as a share of all the money of the month (domestic part only).
TIER_SHARES = (0.7, 0.6, 0.45)
TIER_PRESENCE = (1.0, 0.9, 0.8)
HOT_ITEM_SHARE = 0.08
HOT_ITEM_FACTOR = 3.5
# Quantity factor of an operation: offensives consume more, stabilisation less.
POSTURE_SHARES = (0.6, 0.25, 0.15)
POSTURE_FACTORS = (1.0, 1.4, 0.5)
EXPANSION_SHARE = 0.15
COMMITMENT_BUDGET_SHARE = 0.2


def _flagships() -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for item in ITEMS:
        seen.setdefault(item.category, item.id)
    return tuple(seen.values())


_ALL_FUNDS = tuple(fund.id for fund in FUNDS)

SIZE_SPECS: dict[str, SizeSpec] = {
    "tiny": SizeSpec(
        name="tiny",
        producers=3,
        lines=4,
        regions=2,
        groupings=2,
        months=3,
        capacity_value=2.0e7,
        items=("art-155-he", "fpv-7"),
        funds=("state-budget", "partner-dk"),
        commitments=1,
        tiers=2,
        max_lines_per_producer=2,
        coastal_groupings=0,
    ),
    "small": SizeSpec(
        name="small",
        producers=30,
        lines=100,
        regions=6,
        groupings=3,
        months=12,
        capacity_value=2.1e8,
        items=_flagships(),
        funds=("state-budget", "partner-dk", "eu-instrument", "jv-own"),
        commitments=4,
        max_lines_per_producer=6,
        coastal_groupings=1,
    ),
    "national": SizeSpec(
        name="national",
        producers=500,
        lines=2_000,
        regions=18,
        groupings=10,
        months=36,
        capacity_value=2.1e9,
        items=tuple(item.id for item in ITEMS),
        funds=_ALL_FUNDS,
        commitments=30,
        coastal_groupings=2,
    ),
    "national-x10": SizeSpec(
        name="national-x10",
        producers=5_000,
        lines=20_000,
        regions=18,
        groupings=10,
        months=36,
        capacity_value=2.1e10,
        items=tuple(item.id for item in ITEMS),
        funds=_ALL_FUNDS,
        commitments=300,
        coastal_groupings=2,
    ),
}

SIZES: tuple[str, ...] = tuple(SIZE_SPECS)


# export offers per size (economy=True)
EXPORT_OFFERS = {"tiny": 1, "small": 2, "national": 6, "national-x10": 8}
_PERSON_YEAR_OUTPUT = 150_000.0  # US$ of yearly output per person employed (illustrative)


def generate(size: str, *, seed: int, economy: bool = False) -> Instance:
    """Generate the synthetic instance of `size` (one of `SIZES`); the same seed, the same one.
    `economy`: add producers' employees and a few export offers (see the module docstring)."""
    if size not in SIZE_SPECS:
        raise ValueError(f"unknown size {size!r}: expected one of {', '.join(SIZES)}")
    spec = SIZE_SPECS[size]
    streams = np.random.default_rng(seed).spawn(8)
    items = [item for item in ITEMS if item.id in set(spec.items)]
    regions = [f"region-{k:02d}" for k in range(1, spec.regions + 1)]

    producers = _producers(spec, regions, streams[0])
    industry = _industry(spec, items, producers, streams[1])
    expansions = _expansions(spec, industry, streams[2])
    funds, budgets = _funds(spec, items, regions, producers, industry, streams[3])
    needs, need_total = _needs(spec, items, industry, budgets, streams[4])
    foreign = _foreign_supply(items, need_total, streams[5])
    stock = _stock(items, need_total, streams[6])
    commitments = _commitments(spec, industry, budgets[0], streams[7])

    document: dict[str, Any] = {
        "format": FORMAT,
        "name": f"synthetic-{size}-seed{seed}",
        "start": START,
        "months": spec.months,
        "currency": "USD",
        "items": [
            {
                "id": item.id,
                "name": item.name,
                "category": item.category,
                "unit": CATEGORY_BY_NAME[item.category].unit,
            }
            for item in items
        ],
        "producers": producers.records(),
        "lines": industry.records(),
        "expansions": expansions,
        "groupings": [
            {"id": f"g-{k:02d}", "name": f"Grouping {k:02d}"} for k in range(1, spec.groupings + 1)
        ],
        "needs": needs,
        "funds": funds,
        "foreign_supply": foreign,
        "stock": stock,
        "commitments": commitments,
    }
    if economy:
        _add_economy(document, size, np.random.default_rng([seed, 17]))
    return Instance.model_validate(document)


def _add_economy(document: dict[str, Any], size: str, rng: np.random.Generator) -> None:
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
                "quantity": max(1, int(_round_sig(np.array([quantity]), 2)[0])),
                "price": float(_round_sig(np.array([offer_price]), 3)[0]),
                "buyer": PARTNER_COUNTRIES[int(rng.integers(len(PARTNER_COUNTRIES)))],
            }
        )
    document["export_orders"] = orders


# --- rounding -------------------------------------------------------------------------------


def _round_sig(values: FloatArray, digits: int) -> FloatArray:
    """Round positive values to `digits` significant digits (zero and below stay zero)."""
    values = np.asarray(values, dtype=np.float64)
    out = np.zeros_like(values)
    positive = values > 0
    decimals = digits - 1 - np.floor(np.log10(values[positive])).astype(np.int64)
    # Dividing an integer by a power of ten gives the float nearest the decimal number.
    scale = 10.0 ** np.abs(decimals)
    out[positive] = np.where(
        decimals >= 0,
        np.round(values[positive] * scale) / scale,
        np.round(values[positive] / scale) * scale,
    )
    return out


def _floor_sig(values: FloatArray, digits: int) -> FloatArray:
    """Whole numbers rounded down to `digits` significant digits: never above `values`."""
    values = np.asarray(values, dtype=np.float64)
    out = np.zeros_like(values)
    positive = values >= 1
    places = np.floor(np.log10(values[positive])).astype(np.int64) - digits + 1
    scale = 10.0 ** np.maximum(places, 0)
    out[positive] = np.floor(values[positive] / scale) * scale
    return out


def _round_quantity(values: FloatArray, rng: np.random.Generator) -> IntArray:
    """Whole units: small values rounded at random (keeping their mean), large to 2 digits."""
    values = np.asarray(values, dtype=np.float64)
    small = values < 10
    random_round = np.floor(values + rng.random(values.shape))
    return np.where(small, random_round, _round_sig(values, 2)).astype(np.int64)


def _pick(weights: FloatArray, uniform: FloatArray) -> IntArray:
    """Indices drawn with probability proportional to `weights`, from given uniforms."""
    cumulative = np.cumsum(weights)
    picked = np.searchsorted(cumulative / cumulative[-1], uniform, side="right")
    return np.minimum(picked, len(weights) - 1).astype(np.int64)


def _width(count: int) -> int:
    return max(3, len(str(count)))


# --- producers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Producers:
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


def _producers(spec: SizeSpec, regions: list[str], rng: np.random.Generator) -> _Producers:
    """Producers with ownership, region (uneven spread) and, for joint ventures, partners."""
    count = spec.producers
    ownership = _pick(np.array(OWNERSHIP_SHARES), rng.random(count))
    # Every kind of ownership is present, even in the tiny instance.
    ownership[: len(OWNERSHIPS)] = rng.permutation(len(OWNERSHIPS))[: min(count, len(OWNERSHIPS))]
    region_weights = rng.dirichlet(np.full(len(regions), 1.5))
    region = _pick(region_weights, rng.random(count))
    # Every region has at least one producer (a region's name means something is there).
    if count >= len(regions):
        region[rng.permutation(count)[: len(regions)]] = np.arange(len(regions))
    size = rng.lognormal(0.0, 0.8, count)

    width = _width(count)
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
    return _Producers(ids, names, ownership, region, regions, size, partners)


# --- lines ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Industry:
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


def _industry(
    spec: SizeSpec, items: list[ItemSpec], producers: _Producers, rng: np.random.Generator
) -> _Industry:
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
    primary = _pick(line_share, rng.random(len(counts)))
    other = _pick(line_share, rng.random(n_lines))
    from_primary = first_of_producer | (rng.random(n_lines) < PRIMARY_CATEGORY_SHARE)
    line_category = np.where(from_primary, primary[producer], other)
    uniform = rng.random(n_lines)
    item = np.zeros(n_lines, dtype=np.int64)
    for c in range(len(categories)):
        in_category = np.flatnonzero(line_category == c)
        members = np.flatnonzero(category_of_item == c)
        item[in_category] = members[_pick(item_weight[members], uniform[in_category])]
    item = _distinct_items(item, counts, category_of_item, item_weight, rng)
    item = _every_item_made(item, len(items), rng)
    category = category_of_item[item]

    months = spec.months
    t = np.arange(months)
    reference_price = np.array([it.price for it in items])
    base_price = _round_sig(
        reference_price[item] * np.exp(rng.normal(0.0, 0.1, n_lines)).clip(0.8, 1.3), 3
    )

    # Capacity at full ramp: the category's share of the capacity value, split by line weight.
    capacity_share = np.array([c.capacity_share for c in category_specs])
    capacity_share /= capacity_share.sum()
    line_weight = np.sqrt(producers.size[producer]) * rng.lognormal(0.0, 0.5, n_lines)
    category_weight = np.bincount(category, weights=line_weight, minlength=len(categories))
    final_value = spec.capacity_value * capacity_share[category] * line_weight
    final_value /= category_weight[category]
    final_capacity = np.maximum(_round_quantity(final_value / base_price, rng), 1)

    # Ramps: from 1/factor of full capacity, linearly over 10-12 months from month 0-2.
    ramp_share = np.array([c.ramp_share for c in category_specs])
    ramp_low = np.array([c.ramp_factor[0] for c in category_specs])
    ramp_high = np.array([c.ramp_factor[1] for c in category_specs])
    ramping = rng.random(n_lines) < ramp_share[category]
    factor = ramp_low[category] + (ramp_high - ramp_low)[category] * rng.random(n_lines)
    ramp_months = rng.integers(10, 13, n_lines)
    ramp_start = _pick(np.array([0.6, 0.25, 0.15]), rng.random(n_lines))
    progress = ((t[None, :] - ramp_start[:, None]) / ramp_months[:, None]).clip(0.0, 1.0)
    progress = np.where(ramping[:, None], progress, 1.0)
    fraction = 1.0 / factor[:, None] + (1.0 - 1.0 / factor[:, None]) * progress
    capacity = np.rint(_round_sig(final_capacity[:, None] * fraction, 2)).astype(np.int64)
    capacity = np.where(ramping[:, None], capacity, final_capacity[:, None])

    # Prices: 15% dearer at the start of a ramp (learning curve); some lines indexed yearly.
    indexed = ~ramping & (rng.random(n_lines) < 0.1)
    price_factor = np.where(ramping[:, None], 1.0 + 0.15 * (1.0 - progress), 1.0)
    price_factor = np.where(indexed[:, None], 1.04 ** (t[None, :] // 12), price_factor)
    price = _round_sig(base_price[:, None] * price_factor, 3)

    lead_low = np.array([c.lead_time[0] for c in category_specs])
    lead_high = np.array([c.lead_time[1] for c in category_specs])
    lead_time = np.minimum(rng.integers(lead_low[category], lead_high[category] + 1), months - 1)

    # Minimum sustaining rates, mostly at state plants: 20-40% of the lowest capacity they face.
    state_owned = producers.ownership[producer] == OWNERSHIPS.index("state")
    sustained = rng.random(n_lines) < np.where(state_owned, 0.3, 0.05)
    after_lead = np.where(t[None, :] >= lead_time[:, None], capacity, np.iinfo(np.int64).max)
    lowest = after_lead.min(axis=1).astype(np.float64)
    rate = _floor_sig(rng.uniform(0.2, 0.4, n_lines) * lowest, 2).astype(np.int64)
    min_rate = np.where(sustained, rate, 0)

    width = _width(n_lines)
    return _Industry(
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
                choice = _pick(item_weight[free], np.array([rng.random()]))[0]
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


def _expansions(
    spec: SizeSpec, industry: _Industry, rng: np.random.Generator
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
        _round_quantity(industry.final_capacity[lines] * rng.uniform(0.5, 1.5, count), rng), 1
    )
    capex = _round_sig(added * industry.base_price[lines] * rng.uniform(4.0, 10.0, count), 3)
    width = _width(count)
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


# --- funds ----------------------------------------------------------------------------------


def _funds(
    spec: SizeSpec,
    items: list[ItemSpec],
    regions: list[str],
    producers: _Producers,
    industry: _Industry,
    rng: np.random.Generator,
) -> tuple[list[dict[str, Any]], FloatArray]:
    """Funds and their budgets; returns the records and budgets (funds x years, USD)."""
    year_value = industry.year_value(spec.months)
    n_years = len(year_value)
    ratio = rng.uniform(*CAPACITY_TO_STATE_BUDGET, n_years)
    state = _round_sig(year_value / ratio, 3)
    present = {item.category for item in items}

    records: list[dict[str, Any]] = []
    budgets = np.zeros((len(spec.funds), n_years))
    for f, fund_id in enumerate(spec.funds):
        fund = FUND_BY_ID[fund_id]
        jitter = rng.uniform(0.85, 1.15, n_years) if fund.kind != "state" else np.ones(n_years)
        running = np.isin(np.arange(n_years), fund.years)
        budgets[f] = np.where(running, _round_sig(fund.share * state * jitter, 3), 0.0)
        categories = [c for c in fund.categories if c in present]
        if fund.categories and not categories:
            raise ValueError(f"fund {fund_id!r}: none of its categories is in size {spec.name!r}")
        chosen_regions = _fund_regions(fund, regions, rng)
        records.append(
            {
                "id": fund.id,
                "name": fund.name,
                "kind": fund.kind,
                "budget": {
                    str(START_YEAR + y): float(budgets[f, y]) for y in range(n_years) if running[y]
                },
                "eligible": {
                    "categories": categories,
                    "ownership": list(fund.ownership),
                    "producers": _vetted_producers(
                        fund, categories, chosen_regions, producers, industry, rng
                    ),
                    "regions": chosen_regions,
                },
                "expansions": fund.expansions,
            }
        )
    return records, budgets


def _fund_regions(fund: FundSpec, regions: list[str], rng: np.random.Generator) -> list[str]:
    if fund.region_share <= 0:
        return []
    count = max(1, math.ceil(fund.region_share * len(regions)))
    return sorted(regions[k] for k in rng.choice(len(regions), size=count, replace=False))


def _vetted_producers(
    fund: FundSpec,
    categories: list[str],
    regions: list[str],
    producers: _Producers,
    industry: _Industry,
    rng: np.random.Generator,
) -> list[str]:
    """A partner's list of vetted producers among those its other rules admit."""
    if fund.vetted_share <= 0:
        return []
    line_ok = np.isin(industry.category, [industry.categories.index(c) for c in categories])
    if fund.ownership:
        allowed = [OWNERSHIPS.index(kind) for kind in fund.ownership]
        line_ok &= np.isin(producers.ownership[industry.producer], allowed)
    if regions:
        allowed = [producers.regions.index(region) for region in regions]
        line_ok &= np.isin(producers.region[industry.producer], allowed)
    candidates = np.unique(industry.producer[line_ok])
    if len(candidates) == 0:
        return []
    count = max(1, math.ceil(fund.vetted_share * len(candidates)))
    chosen = np.sort(rng.choice(candidates, size=count, replace=False))
    return [producers.ids[p] for p in chosen.tolist()]


# --- needs, foreign supply, stock -----------------------------------------------------------


def _needs(
    spec: SizeSpec,
    items: list[ItemSpec],
    industry: _Industry,
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
            posture[g, month : month + length] = _pick(np.array(POSTURE_SHARES), rng.random(1))[0]
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
    rounded = _round_quantity(quantity, rng)
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


def _foreign_supply(
    items: list[ItemSpec], need_total: FloatArray, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Expected deliveries from partners: a share of the need of some items, lumpy by month."""
    foreign_share = np.array([item.foreign_share for item in items])
    arrives = rng.random(need_total.shape) < 0.75
    lumps = rng.lognormal(0.0, 0.3, need_total.shape) * arrives / 0.75
    quantity = _round_quantity(foreign_share[:, None] * need_total * lumps, rng)
    i, m = np.nonzero(quantity)
    return [
        {"item": items[a].id, "month": b, "quantity": q}
        for a, b, q in zip(i.tolist(), m.tolist(), quantity[i, m].tolist(), strict=True)
    ]


def _stock(
    items: list[ItemSpec], need_total: FloatArray, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Initial stock: up to a month of need, none for some items."""
    held = rng.random(len(items)) < 0.85
    quantity = _round_quantity(rng.uniform(0.2, 1.0, len(items)) * need_total[:, 0] * held, rng)
    return [
        {"item": item.id, "quantity": q}
        for item, q in zip(items, quantity.tolist(), strict=True)
        if q > 0
    ]


# --- commitments ----------------------------------------------------------------------------


def _commitments(
    spec: SizeSpec, industry: _Industry, state_budget: FloatArray, rng: np.random.Generator
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
        quantity = _floor_sig(fraction * capacity[line, :n_months], 2).astype(np.int64)
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
