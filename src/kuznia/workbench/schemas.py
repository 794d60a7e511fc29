"""What the workbench's endpoints take and give."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kuznia.documents import JsonObject
from kuznia.models.base import as_utc
from kuznia.pagination import MAX_DB_INT

# The most scenarios a sweep may sample, and producers a critical screen may re-plan.
MAX_SWEEP = 2000
MAX_TOP = 100
# The most changes a scenario may hold: a foreign shortfall by supplier country is stored as
# one cut per item and run of months (decision 0016), so a stored document read and sent
# back must fit; 2,000 changes are some 250 KB, within the request body limit.
MAX_CHANGES = 2000


class ScenarioWrite(BaseModel):
    """A `kuznia-scenario/1` document: a name and changes applied in order
    (`capacity_loss`, `foreign_supply_cut`, `budget_change`, `need_surge`; see the format)."""

    model_config = ConfigDict(extra="forbid")

    format: str = Field(default="kuznia-scenario/1", description="Always kuznia-scenario/1.")
    name: str = Field(min_length=1, max_length=200, description="Unique among scenarios.")
    description: str = Field(default="", max_length=4000)
    changes: list[JsonObject] = Field(
        default_factory=list,
        max_length=MAX_CHANGES,
        description=(
            "Each change an object with `kind`: capacity_loss (regions, producers, first_month, "
            "last_month, share), foreign_supply_cut (items, categories, first_month, "
            "last_month, share; or country, first_month, last_month, share: a shortfall of "
            "what that supplier country is expected to deliver, resolved against the "
            "registry into one cut per item and run of months labelled with the country), "
            "budget_change (fund, years, factor or amount), need_surge "
            "(categories, items, groupings, first_month, last_month, factor)."
        ),
    )


class ScenarioUpdate(ScenarioWrite):
    """The whole document again, with the version read (a stale version changes nothing)."""

    version: int = Field(ge=1, le=MAX_DB_INT)


class ScenarioRead(BaseModel):
    """A stored scenario."""

    id: int
    name: str
    description: str
    document: JsonObject = Field(description="The kuznia-scenario/1 document.")
    version: int
    created_at: datetime

    @field_validator("created_at")
    @classmethod
    def _in_utc(cls, moment: datetime) -> datetime:
        return as_utc(moment)


class ScenarioRunCreate(BaseModel):
    """Which finished plan run a scenario is run against."""

    model_config = ConfigDict(extra="forbid", strict=True)

    plan_run_id: int = Field(ge=1, le=MAX_DB_INT, description="A finished plan run.")


class SweepCreate(BaseModel):
    """A Monte Carlo sweep of a finished plan run's snapshot: sampled strikes and foreign
    shortfalls, each scenario planned afresh."""

    model_config = ConfigDict(extra="forbid", strict=True)

    plan_run_id: int = Field(ge=1, le=MAX_DB_INT, description="A finished plan run.")
    scenarios: int = Field(ge=1, le=MAX_SWEEP, description="How many scenarios to sample.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="Same seed, same scenarios.")
    strike_probability: float = Field(
        default=0.02, ge=0, le=1, description="Chance that a strike starts, per region and month."
    )
    strike_months: float = Field(
        default=2.0, ge=1, le=120, description="Mean length of a strike in months."
    )
    foreign_shortfall: float = Field(
        default=0.2, ge=0, le=1, description="Mean share of each foreign delivery missed."
    )
    threshold: float = Field(
        default=0.8, ge=0, le=1, description="Coverage below which a category falls short."
    )


class CriticalCreate(BaseModel):
    """Critical producers and regions of a finished plan run's snapshot."""

    model_config = ConfigDict(extra="forbid", strict=True)

    plan_run_id: int = Field(ge=1, le=MAX_DB_INT, description="A finished plan run.")
    top: int = Field(
        default=10, ge=0, le=MAX_TOP, description="Producers of the screen to re-plan."
    )


# --- what the workbench's jobs answer (each job's `result`) --------------------------------------

Shortfalls = dict[str, float | None]
"""Weighted unit-months short per priority tier (the tier's number as text)."""


class PlanOutcome(BaseModel):
    """One plan of a snapshot: tiers, coverage (overall, per category, per month), cost,
    spend per fund and deliveries per producer (all None or empty without a plan)."""

    status: str
    tiers: Shortfalls
    coverage: float | None
    cost: float | None
    coverage_by_category: dict[str, float | None]
    coverage_by_month: list[float | None]
    spend_by_fund: dict[str, float | None]
    deliveries_by_producer: dict[str, float | None]


class HeldOutcome(BaseModel):
    """What the base plan's contracts achieve when held under a scenario."""

    status: str
    coverage: float | None
    tiers: Shortfalls


class ProducerChange(BaseModel):
    producer: str
    base: float
    scenario: float
    change: float


class ScenarioWhy(BaseModel):
    """Why the scenario's plan differs (kuznia-plan-comparison/1, its largest moves)."""

    verdict: str
    reasons: list[JsonObject]
    takeovers: list[JsonObject]


class ScenarioAnswer(BaseModel):
    """A scenario against the base plan of a run's snapshot."""

    scenario: str
    currency: str
    start: str
    months: int
    priorities: list[int]
    base: PlanOutcome
    changed: PlanOutcome
    held: HeldOutcome
    producers: list[ProducerChange]
    comparison: ScenarioWhy


class Spread(BaseModel):
    p5: float | None
    p50: float | None
    p95: float | None
    mean: float | None


class TierSpread(BaseModel):
    values: list[float | None]
    p5: float | None
    p50: float | None
    p95: float | None
    mean: float | None


class MonthSpread(BaseModel):
    month: int
    base: float | None
    p5: float | None
    p50: float | None
    p95: float | None
    mean: float | None


class FailedScenario(BaseModel):
    scenario: int
    status: str


class SweepBase(BaseModel):
    status: str
    tiers: Shortfalls
    coverage: float | None
    cost: float | None
    coverage_by_month: list[float | None]


class CriticalProducer(BaseModel):
    producer: str
    region: str
    struck: int = Field(description="Scenarios that struck some of its lines.")
    critical: int = Field(description="Of those, the ones whose top tier came out worse.")
    share_critical: float | None
    impact: float | None


class SweepAnswer(BaseModel):
    """A sweep's sampled scenarios: each tier's shortfall, coverage per month, and how often
    each producer is critical."""

    scenarios: int
    seed: int
    settings: JsonObject
    evaluated: int
    failed: list[FailedScenario]
    workers: int = Field(description="Dask workers the scenarios were spread over (0: serially).")
    start: str
    months: int
    priorities: list[int]
    base: SweepBase
    tiers: dict[str, TierSpread]
    coverage: Spread
    coverage_by_month: list[MonthSpread]
    producers: list[CriticalProducer]
