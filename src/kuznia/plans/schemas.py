"""What the plan-run endpoints read and write."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from kuznia import models
from kuznia.documents import JsonObject
from kuznia.instance.schema import Operation as Operation
from kuznia.models import PlanRunStatus
from kuznia.models.base import as_utc
from kuznia.planning.model import SolveMode
from kuznia.planning.solve import SolveStatus


@dataclass(frozen=True)
class ResultFilters:
    """Which rows of a run's result table a page shows (None: any): the table's rows of this
    item, line, fund or month, where the table has that column."""

    item: str | None = None
    line: str | None = None
    fund: str | None = None
    month: int | None = None

    def given(self) -> dict[str, str | int]:
        """The filters set, by column."""
        return {name: value for name, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class ShortfallFilters:
    """Which of a run's shortfalls a page shows (None: any)."""

    tier: int | None = None
    category: str | None = None
    item: str | None = None
    grouping: str | None = None
    operation: str | None = None

    def given(self) -> dict[str, str | int]:
        """The filters set, by name (`tier` is the shortfall's priority)."""
        return {name: value for name, value in asdict(self).items() if value is not None}


class RobustSettings(BaseModel):
    """A robust plan: contracts chosen against `scenarios` sampled disruptions of `seed`, then
    checked against the deterministic plan on `check_scenarios` fresh ones of `check_seed`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    scenarios: int = Field(ge=1, le=500, description="Sampled scenarios the plan is chosen on.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="Seed of those scenarios.")
    check_scenarios: int = Field(
        default=40, ge=1, le=2000, description="Fresh scenarios of the out-of-sample check."
    )
    check_seed: int | None = Field(
        default=None,
        ge=0,
        le=2**31 - 1,
        description="Seed of the check's scenarios (default: `seed`, another stream).",
    )


class PlanRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    mode: SolveMode = Field(
        default="lp", description="lp, or milp (whole expansions, minimum rates)."
    )
    time_limit: float | None = Field(
        default=None, gt=0, le=86400, description="Seconds for the whole solve."
    )
    mip_gap: float = Field(default=1e-4, ge=0, le=1, description="Relative MIP gap (milp).")
    robust: RobustSettings | None = Field(
        default=None, description="Solve a robust plan (lp only) instead of the deterministic."
    )

    @model_validator(mode="after")
    def _robust_is_lp(self) -> PlanRunCreate:
        if self.robust is not None and self.mode != "lp":
            raise ValueError(
                f'robust: the robust plan is an LP; mode must be "lp", got "{self.mode}"'
            )
        return self


class TierRead(BaseModel):
    priority: int
    weighted_unit_months_short: float
    unit_months_short: float


class PlanRunRead(BaseModel):
    id: int
    status: PlanRunStatus
    progress: float = Field(description="Share of the solve done, 0..1.")
    message: str
    options: JsonObject
    kind: str = Field(default="plan", description="plan, or replan (from the actual state).")
    replan_of: int | None = Field(
        default=None, description="For a re-plan: the newest approved run it re-plans."
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    solve_status: SolveStatus | None = Field(
        description="optimal, infeasible, time_limit, ... once finished."
    )
    cost: float | None
    coverage: float | None
    tiers: list[TierRead]
    robust: JsonObject | None = Field(
        default=None,
        description="For a robust plan: its scenarios, seed and the out-of-sample check against "
        "the deterministic plan (expected shortfall per tier, coverage, cost of each).",
    )
    version: int

    @field_validator("created_at", "started_at", "finished_at")
    @classmethod
    def _in_utc(cls, moment: datetime | None) -> datetime | None:
        """An RFC 3339 date-time has its offset (SQLite drops it)."""
        return as_utc(moment) if moment else moment


# The result tables a run keeps, by the path they are read at.
RESULT_TABLES: dict[str, type[Any]] = {
    "tiers": models.PlanRunTier,
    "deliveries": models.PlanRunDelivery,
    "payments": models.PlanRunPayment,
    "expansions": models.PlanRunExpansion,
    "allocations": models.PlanRunAllocation,
    "shortfalls": models.PlanRunShortfall,
}


def _row_schema(name: str, model: type[Any]) -> type[BaseModel]:
    """A row of a result table, with the table's columns (the run's key left out)."""
    fields: dict[str, Any] = {}
    for column in model.__table__.columns:
        if column.name in ("id", "run_id"):
            continue
        annotation: Any = (
            column.type.python_type if column.name != "reasons" else list[dict[str, Any]]
        )
        if column.nullable:
            annotation = annotation | None
        fields[column.name] = (annotation, ...)
    title = "".join(part.capitalize() for part in name.split("_"))
    return create_model(f"PlanRun{title}Row", **fields)


RESULT_ROWS: dict[str, type[BaseModel]] = {
    name: _row_schema(name, model) for name, model in RESULT_TABLES.items()
}


class PlanRunShortfallListRow(BaseModel):
    """A shortfall of a run as its list shows it: the need class, how short, why, and its
    place in the whole list."""

    item: str
    category: str
    grouping: str
    priority: int
    operation: str
    need: float
    short_at_end: float
    unit_months_short: float
    weighted_unit_months_short: float
    first_short_month: int
    last_short_month: int
    reasons: list[JsonObject]
    number: int = Field(description="Its place in the run's whole list, 1 = the largest.")


Number = int | float
"""A number of a stored result as the planning core wrote it (a whole one as int)."""


class ExportTier(BaseModel):
    priority: int
    weighted_unit_months_short: float
    unit_months_short: float
    without_exports: Number | None = Field(
        description="The tier's weighted unit-months short without export orders."
    )


class RunExports(BaseModel):
    """The orders a run served with their revenue; its tiers and cost beside the same plan
    without export orders (None when the snapshot had none)."""

    run: int
    currency: str
    orders: list[JsonObject]
    export_revenue: Number | None
    cost: float | None
    cost_without_exports: Number | None
    tiers: list[ExportTier]


class RunSurplus(BaseModel):
    """What the plan leaves and what no tier would take, per item and month."""

    run: int
    start: str
    rows: list[JsonObject]


class RunEconomy(BaseModel):
    """Spend, output, export revenue and jobs by region, ownership, partner country and
    category, and each fund's spend by region (a partner's user: its funds' only). Only the
    tables the run kept and the caller may read are given."""

    model_config = ConfigDict(extra="allow")

    run: int
    currency: str
    by_region: list[JsonObject] = []
    by_ownership: list[JsonObject] = []
    by_partner_country: list[JsonObject] = []
    by_category: list[JsonObject] = []
    by_fund_region: list[JsonObject] = []


class MoneyCurve(BaseModel):
    """Each tier's shortfall per step of extra money of a fund in a year."""

    run: int
    fund: str
    year: int
    currency: str
    rows: list[JsonObject]


class ClosingMoney(BaseModel):
    """Money above a fund's budget in a year."""

    fund: str
    year: int
    amount: float


class ClosingCapacity(BaseModel):
    """Units a month added to a line's capacity in the months named."""

    line: str
    months: list[int]
    units_per_month: float


class ShortfallClose(BaseModel):
    """What closes one shortfall, found by re-solving the run's snapshot."""

    run_id: int
    number: int
    item: str
    grouping: str
    priority: int
    operation: str
    currency: str
    status: str = Field(description="optimal, or time_limit when the re-solve ran out of time.")
    closes: bool = Field(description="Whether money (and capacity) close it within the horizon.")
    by: str | None = Field(default=None, description="money, or money_and_capacity.")
    money: list[ClosingMoney] = []
    capacity: list[ClosingCapacity] = []
    seconds: float | None = None
