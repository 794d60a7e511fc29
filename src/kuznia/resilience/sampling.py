"""Sampling disruptions for Monte Carlo sweeps and robust plans.

Each scenario k draws its disruption from `numpy.random.default_rng(SeedSequence(seed,
spawn_key=(stream, k)))`: scenario k is the same whatever the number of scenarios, workers or
the order tasks finish in, so a summary depends on the seed alone (docs/decisions/0005).

What a scenario samples (`SweepSettings`):
- strikes: in each region and month a strike starts with `strike_probability` (or the region's
  own probability); it lasts a geometric number of months with mean `strike_mean_months` and
  takes `strike_share` of the capacity of every line of the region (with what expansions add);
- foreign supply: each item's delivery in each month falls short by a share drawn from a Beta
  distribution with mean `foreign_shortfall_mean` and concentration
  `foreign_shortfall_concentration` (a + b; lower spreads the shortfalls wider).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np

from kuznia.planning.inputs import BoolArray, PlanInput
from kuznia.resilience.disruption import Disruption

# Streams of scenarios drawn from one seed: the sweep (and the robust plan's own scenarios), and
# the fresh scenarios a robust plan is checked on.
SWEEP_STREAM: Final = 0
CHECK_STREAM: Final = 1


class SweepInputError(ValueError):
    """Raised when a sweep's settings or counts are out of range; names the field and value."""


@dataclass(frozen=True)
class SweepSettings:
    """How disruptions are sampled and what counts as falling short."""

    strike_probability: float = 0.02  # per region and month: a strike starts
    strike_mean_months: float = 2.0  # mean length of a strike (geometric, at least 1 month)
    strike_share: float = 1.0  # share of a struck region's capacity lost
    region_strike_probability: Mapping[str, float] = field(default_factory=dict)
    foreign_shortfall_mean: float = 0.2  # mean share of a partner delivery that does not arrive
    foreign_shortfall_concentration: float = 4.0  # Beta a + b
    threshold: float = 0.8  # coverage below which a category counts as fallen short

    def check(self, *, regions: Sequence[str] | None = None) -> None:
        """Raise SweepInputError naming the first field out of range (and unknown regions)."""
        probabilities = {
            "strike_probability": self.strike_probability,
            "strike_share": self.strike_share,
            "foreign_shortfall_mean": self.foreign_shortfall_mean,
            "threshold": self.threshold,
            **{
                f"region_strike_probability.{region}": value
                for region, value in self.region_strike_probability.items()
            },
        }
        for name, value in probabilities.items():
            if not (0.0 <= value <= 1.0):
                raise SweepInputError(f"{name}: must be between 0 and 1, got {value}")
        if not self.strike_mean_months >= 1.0:
            raise SweepInputError(
                f"strike_mean_months: must be at least 1, got {self.strike_mean_months}"
            )
        if not self.foreign_shortfall_concentration > 0:
            raise SweepInputError(
                "foreign_shortfall_concentration: must be above 0, got "
                f"{self.foreign_shortfall_concentration}"
            )
        if regions is not None:
            for region in self.region_strike_probability:
                if region not in regions:
                    raise SweepInputError(f'region_strike_probability: unknown region "{region}"')

    def to_dict(self) -> dict[str, Any]:
        return {
            "strike_probability": self.strike_probability,
            "strike_mean_months": self.strike_mean_months,
            "strike_share": self.strike_share,
            "region_strike_probability": dict(self.region_strike_probability),
            "foreign_shortfall_mean": self.foreign_shortfall_mean,
            "foreign_shortfall_concentration": self.foreign_shortfall_concentration,
            "threshold": self.threshold,
        }


# --- Sampling ----------------------------------------------------------------------------------


def regions_of(plan_input: PlanInput) -> list[str]:
    """The regions of the instance's producers, sorted."""
    return sorted(set(plan_input.producer_region))


def sample_strikes(
    plan_input: PlanInput, settings: SweepSettings, rng: np.random.Generator
) -> BoolArray:
    """Struck[r, t] for the sorted regions: strikes start with their probability and last a
    geometric number of months."""
    regions = regions_of(plan_input)
    months = plan_input.months
    probability = np.array(
        [settings.region_strike_probability.get(r, settings.strike_probability) for r in regions]
    )
    starts = rng.random((len(regions), months)) < probability[:, None]
    lengths = rng.geometric(1.0 / settings.strike_mean_months, size=(len(regions), months))
    region, month = np.nonzero(starts)
    change = np.zeros((len(regions), months + 1), dtype=np.int64)
    np.add.at(change, (region, month), 1)
    np.add.at(change, (region, np.minimum(month + lengths[region, month], months)), -1)
    return np.cumsum(change, axis=1)[:, :months] > 0


def sample_disruption(
    plan_input: PlanInput,
    settings: SweepSettings,
    *,
    seed: int,
    index: int,
    stream: int = SWEEP_STREAM,
) -> Disruption:
    """Scenario `index` of `seed`: strikes per region and month, foreign-supply shortfalls."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, index)))
    struck = sample_strikes(plan_input, settings, rng)
    region_index = {r: k for k, r in enumerate(regions_of(plan_input))}
    line_region = np.array([region_index[r] for r in plan_input.producer_region], np.int64)[
        plan_input.line_producer
    ]
    capacity_kept = 1.0 - settings.strike_share * struck[line_region].astype(np.float64)
    mean = settings.foreign_shortfall_mean
    shape = (plan_input.n_items, plan_input.months)
    if 0.0 < mean < 1.0:
        concentration = settings.foreign_shortfall_concentration
        shortfall = rng.beta(mean * concentration, (1.0 - mean) * concentration, size=shape)
    else:
        shortfall = np.full(shape, mean)
    nothing = Disruption.none(plan_input)
    return replace(nothing, capacity_kept=capacity_kept, foreign_supply_kept=1.0 - shortfall)
