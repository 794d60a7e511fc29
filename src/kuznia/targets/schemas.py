"""What the targets endpoints read and write.

A target names a category (and optionally one of its items), a period (a month `YYYY-MM` or a
quarter `YYYY-Qn`) and either an absolute `quantity` for the whole period or a `multiple` of a
`base_month`'s output, e.g. `{"category": "artillery_ammunition", "period": "2026-12",
"multiple": 20, "base_month": "2026-01"}`. The service checks the rest (known category, the
item's category, the formats, one of quantity and multiple) and names every bad field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from kuznia.pagination import MAX_DB_INT

# More units than any country makes; keeps every product of a multiple finite.
MAX_QUANTITY = 1e12
MAX_MULTIPLE = 1e6

Quantity = Annotated[float, Field(gt=0, le=MAX_QUANTITY, allow_inf_nan=False)]
Multiple = Annotated[float, Field(gt=0, le=MAX_MULTIPLE, allow_inf_nan=False)]
Text = Annotated[str, Field(max_length=200)]


class TargetBase(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetCreate(TargetBase):
    category: Text = Field(description="A category the registry's items have.")
    item: Text | None = Field(default=None, description="One item of the category, or none.")
    period: Text = Field(description="A month (YYYY-MM) or a quarter (YYYY-Qn).")
    quantity: Quantity | None = Field(
        default=None, description="The quantity for the whole period (or give a multiple)."
    )
    multiple: Multiple | None = Field(
        default=None,
        description="Each month of the period should make this multiple of the base month's "
        "output (needs base_month).",
    )
    base_month: Text | None = Field(
        default=None,
        description="The month (YYYY-MM, before the period) a multiple multiplies; with a "
        "quantity, where growth is measured from.",
    )
    note: Annotated[str, Field(max_length=2000)] = ""


class TargetUpdate(TargetBase):
    version: Annotated[int, Field(ge=1, le=MAX_DB_INT, description="The version read.")]
    category: Text | None = None
    item: Text | None = None
    period: Text | None = None
    quantity: Quantity | None = None
    multiple: Multiple | None = None
    base_month: Text | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None


class TargetFilters(BaseModel):
    """Which targets a list shows; every filter optional."""

    category: str | None = None
    item: str | None = None


class TargetRead(BaseModel):
    id: int
    category: str
    item: str | None
    period: str
    quantity: float | None
    multiple: float | None
    base_month: str | None
    note: str
    version: int
    created_at: datetime


class TargetMonth(BaseModel):
    month: str
    target: float | None = Field(description="The target for the month (none outside the period).")
    plan: float = Field(description="Scheduled in the approved contracts for the month.")
    actual: float = Field(description="Accepted at the depots in the month (to the as-of day).")
    growth: float | None = Field(description="Actual over the base month's actual output.")


ReasonKind = Literal["plan_short_of_target", "execution_short_of_plan", "no_base_output"]
BaseSource = Literal["actual", "plan"]
TargetStatus = Literal["on_track", "off_track"]


class TargetReason(BaseModel):
    kind: ReasonKind
    expected: float
    got: float
    short: float


class TargetContract(BaseModel):
    id: int
    number: str
    producer: str
    item: str
    status: str
    plan: float = Field(description="What its current schedule delivers over the span.")
    actual: float = Field(description="What the depots accepted under it over the span.")


class TargetProgress(TargetRead):
    months: list[TargetMonth]
    base_output: float | None = Field(description="What the base month made (see base_source).")
    base_source: BaseSource | None
    target_total: float | None
    plan_total: float = Field(description="The approved plan over the period.")
    actual_total: float = Field(description="Accepted over the period, to the as-of day.")
    plan_to_date: float = Field(description="The plan due over the span to the as-of day.")
    actual_to_date: float = Field(description="Accepted over the span to the as-of day.")
    status: TargetStatus
    reasons: list[TargetReason]
    contracts: list[TargetContract] = Field(
        description="The contracts behind the plan, and what was accepted under them."
    )


class TargetReport(BaseModel):
    as_of: date
    off_track: int
    targets: list[TargetProgress]


class TargetSummary(BaseModel):
    count: int = Field(description="How many targets there are.")
    off_track: int
    categories_off_track: list[str]
