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

Everything is drawn from `numpy.random.default_rng(seed)`: the same seed gives the same instance.

The parts live beside this module: `industry` (producers, lines, expansions), `money` (funds),
`demand` (needs, foreign supply, stock, commitments), with the shares and factors above in
`calibration` and the shared rounding in `draws`; `generate` draws them in a fixed order from
independent streams of the seed.
- **Economy (`economy=True`, the default).** Producers get `employees`: their
  lines' yearly output value at full capacity over about US$150,000 a person, rounded to tens,
  20 at least. Foreign buyers (partner country codes, illustrative) offer a handful of export
  orders (1 in `tiny`, 2 in `small`, 6 in `national`, 8 in `national-x10`) in the second half of
  the horizon: items with lines, 10-30% of a month's capacity of the item, at 5-40% above the
  median line price. On by default now that the registry stores these fields (migration 0008);
  `economy=False` (`kuznia generate --no-economy`) leaves them out. Drawn from a stream of their
  own, so the rest of the instance is the same either way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kuznia.instance.schema import FORMAT, Instance
from kuznia.synthetic.calibration import START
from kuznia.synthetic.catalog import (
    CATEGORY_BY_NAME,
    FUNDS,
    ITEMS,
    SizeSpec,
)
from kuznia.synthetic.demand import draw_commitments, draw_foreign_supply, draw_needs, draw_stock
from kuznia.synthetic.economy import add_economy
from kuznia.synthetic.industry import draw_expansions, draw_industry, draw_producers
from kuznia.synthetic.money import draw_funds


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


def generate(size: str, *, seed: int, economy: bool = True) -> Instance:
    """Generate the synthetic instance of `size` (one of `SIZES`); the same seed, the same one.
    `economy`: add producers' employees and a few export offers (see the module docstring)."""
    if size not in SIZE_SPECS:
        raise ValueError(f"unknown size {size!r}: expected one of {', '.join(SIZES)}")
    spec = SIZE_SPECS[size]
    streams = np.random.default_rng(seed).spawn(8)
    items = [item for item in ITEMS if item.id in set(spec.items)]
    regions = [f"region-{k:02d}" for k in range(1, spec.regions + 1)]

    producers = draw_producers(spec, regions, streams[0])
    industry = draw_industry(spec, items, producers, streams[1])
    expansions = draw_expansions(spec, industry, streams[2])
    funds, budgets = draw_funds(spec, items, regions, producers, industry, streams[3])
    needs, need_total = draw_needs(spec, items, industry, budgets, streams[4])
    foreign = draw_foreign_supply(items, need_total, streams[5])
    stock = draw_stock(items, need_total, streams[6])
    commitments = draw_commitments(spec, industry, budgets[0], streams[7])

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
        add_economy(document, size, np.random.default_rng([seed, 17]))
    return Instance.model_validate(document)
