"""Synthetic funds: the state budget sized from the capacity value, partner programmes with
their eligibility, the EU instrument and the joint ventures' own money."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from kuznia.synthetic.calibration import (
    CAPACITY_TO_STATE_BUDGET,
    OWNERSHIPS,
    START_YEAR,
)
from kuznia.synthetic.catalog import (
    FUND_BY_ID,
    FundSpec,
    ItemSpec,
    SizeSpec,
)
from kuznia.synthetic.draws import (
    FloatArray,
    round_sig,
)
from kuznia.synthetic.industry import Industry, Producers

# --- funds ----------------------------------------------------------------------------------


def draw_funds(
    spec: SizeSpec,
    items: list[ItemSpec],
    regions: list[str],
    producers: Producers,
    industry: Industry,
    rng: np.random.Generator,
) -> tuple[list[dict[str, Any]], FloatArray]:
    """Funds and their budgets; returns the records and budgets (funds x years, USD)."""
    year_value = industry.year_value(spec.months)
    n_years = len(year_value)
    ratio = rng.uniform(*CAPACITY_TO_STATE_BUDGET, n_years)
    state = round_sig(year_value / ratio, 3)
    present = {item.category for item in items}

    records: list[dict[str, Any]] = []
    budgets = np.zeros((len(spec.funds), n_years))
    for f, fund_id in enumerate(spec.funds):
        fund = FUND_BY_ID[fund_id]
        jitter = rng.uniform(0.85, 1.15, n_years) if fund.kind != "state" else np.ones(n_years)
        running = np.isin(np.arange(n_years), fund.years)
        budgets[f] = np.where(running, round_sig(fund.share * state * jitter, 3), 0.0)
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
    producers: Producers,
    industry: Industry,
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
