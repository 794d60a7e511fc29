"""Planning: the instance-level settings of the registry, and plan runs with their results.

A plan run keeps the instance snapshot it solved (the exact JSON text) and its results in its
own tables, which name lines, funds and items by code rather than by key: a run never changes
and never depends on the registry changing after it.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from kuznia.instance.schema import Instance
from kuznia.models.base import Base, FromInstance, Versioned, enum_type, utc_now
from kuznia.models.types import EnumString, exact_json
from kuznia.planning.solve import SolveStatus

SETTINGS_ID = 1
# The instance format's currency when a document names none.
DEFAULT_CURRENCY: str = Instance.model_fields["currency"].default


class PlanningSettings(Versioned, FromInstance, Base):
    """The instance-level fields of the registry: one row (id 1), present once an instance has
    been imported. `defaulted` may name `format`, `name`, `currency`, `operation_weights` and
    `operation_weights.<operation>`."""

    __tablename__ = "planning_settings"
    __table_args__ = (
        CheckConstraint(f"id = {SETTINGS_ID}", name="single_row"),
        CheckConstraint("months >= 1", name="months_positive"),
        CheckConstraint(
            "weight_defensive >= 0 AND weight_offensive >= 0 AND weight_stabilization >= 0",
            name="weights_non_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=SETTINGS_ID)
    name: Mapped[str] = mapped_column(String, default="unnamed")
    # First month of the horizon, YYYY-MM.
    start: Mapped[str] = mapped_column(String(7))
    months: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String, default="USD")
    # Weight of a unit-month short per operation type (the format's `operation_weights`).
    weight_defensive: Mapped[float] = mapped_column(Double, default=3.0)
    weight_defensive_is_int: Mapped[bool] = mapped_column(Boolean, default=True)
    weight_offensive: Mapped[float] = mapped_column(Double, default=2.0)
    weight_offensive_is_int: Mapped[bool] = mapped_column(Boolean, default=True)
    weight_stabilization: Mapped[float] = mapped_column(Double, default=1.0)
    weight_stabilization_is_int: Mapped[bool] = mapped_column(Boolean, default=True)


class PlanRunStatus(StrEnum):
    """Where a run is in its life; how the solve ended is `PlanRun.solve_status`."""

    queued = "queued"
    running = "running"
    finished = "finished"
    failed = "failed"
    cancelled = "cancelled"


class PlanRun(Versioned, Base):
    """One solve: its options, the instance snapshot it solved, its progress and results."""

    __tablename__ = "plan_runs"
    __table_args__ = (CheckConstraint("progress >= 0 AND progress <= 1", name="progress_share"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[PlanRunStatus] = mapped_column(
        enum_type(PlanRunStatus, name="plan_run_status"), default=PlanRunStatus.queued
    )
    # The solve options (mode, time limit, MIP gap, ...) as given.
    options: Mapped[dict[str, Any]] = mapped_column(exact_json(), default=dict)
    # The `kuznia-instance/1` document solved, as JSON text, so the run can be solved again;
    # loaded only when read (megabytes on national data: every page that names a run would
    # carry it otherwise).
    instance: Mapped[str] = mapped_column(Text, deferred=True)
    # Its horizon and currency, read once from it when it is stored (see `_horizon`).
    start: Mapped[str] = mapped_column(String(7))
    months: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String)
    progress: Mapped[float] = mapped_column(Double, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    # The planning core's outcome (`optimal`, `infeasible`, `time_limit`, ...), once finished.
    solve_status: Mapped[SolveStatus | None] = mapped_column(EnumString(SolveStatus), nullable=True)
    cost: Mapped[float | None] = mapped_column(Double, nullable=True)
    coverage: Mapped[float | None] = mapped_column(Double, nullable=True)
    # The worker process solving the run, so a cancel can stop it ...
    worker_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # ... and its machine: a cancel stops the process only where it runs.
    worker_host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The solve's report: seconds per stage, model size, solver stages, conflicts if infeasible.
    report: Mapped[dict[str, Any] | None] = mapped_column(exact_json(), nullable=True)
    # `plan` (the registry as it is) or `replan` (the next instance from the actual state).
    kind: Mapped[str] = mapped_column(String(16), default="plan", server_default="plan")
    # For a re-plan: the approved run whose execution it re-plans (the newest approved then).
    replan_of: Mapped[int | None] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="SET NULL"), nullable=True
    )
    # The export stage and the economy (kuznia-instance/1 result sections), stored whole as the
    # result JSON names them: `exports` (orders served), `surplus` (per item and month) and
    # `economy` (tables by region, ownership, partner country, category).
    exports: Mapped[list[dict[str, Any]] | None] = mapped_column(exact_json(), nullable=True)
    surplus: Mapped[list[dict[str, Any]] | None] = mapped_column(exact_json(), nullable=True)
    economy: Mapped[dict[str, Any] | None] = mapped_column(exact_json(), nullable=True)
    # The same plan solved without export orders (only for a snapshot that has them): its tier
    # values and cost, the proof that exports take nothing from the troops.
    without_exports: Mapped[dict[str, Any] | None] = mapped_column(exact_json(), nullable=True)

    tiers: Mapped[list[PlanRunTier]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="PlanRunTier.priority"
    )

    @validates("instance")
    def _horizon(self, _key: str, text: str) -> str:
        """Keep the run's start, months and currency with its snapshot: the one place they
        are read from the document (the format's currency by default)."""
        document = json.loads(text)
        self.start = document["start"]
        self.months = document["months"]
        self.currency = document.get("currency", DEFAULT_CURRENCY)
        return text


class PlanRunTier(Base):
    """A run's shortfall in one priority tier."""

    __tablename__ = "plan_run_tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"), index=True)
    priority: Mapped[int] = mapped_column(Integer)
    weighted_unit_months_short: Mapped[float] = mapped_column(Double)
    unit_months_short: Mapped[float] = mapped_column(Double)


class PlanRunDelivery(Base):
    """A run's deliveries of one line in one month."""

    __tablename__ = "plan_run_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"), index=True)
    line: Mapped[str] = mapped_column(String)
    producer: Mapped[str] = mapped_column(String)
    item: Mapped[str] = mapped_column(String)
    month: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[float] = mapped_column(Double)
    price: Mapped[float] = mapped_column(Double)
    value: Mapped[float] = mapped_column(Double)


class PlanRunPayment(Base):
    """What a fund pays in a year for a line's deliveries or for an expansion's capex."""

    __tablename__ = "plan_run_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"), index=True)
    fund: Mapped[str] = mapped_column(String)
    line: Mapped[str | None] = mapped_column(String, nullable=True)
    expansion: Mapped[str | None] = mapped_column(String, nullable=True)
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[float] = mapped_column(Double)


class PlanRunExpansion(Base):
    """An expansion a run chose: its level (0..1; 1 in milp), capex, first month it counts."""

    __tablename__ = "plan_run_expansions"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"), index=True)
    expansion: Mapped[str] = mapped_column(String)
    line: Mapped[str] = mapped_column(String)
    level: Mapped[float] = mapped_column(Double)
    capex: Mapped[float] = mapped_column(Double)
    active_from: Mapped[int] = mapped_column(Integer)


class PlanRunAllocation(Base):
    """A run's allocation to one need class (item, grouping, priority, operation) in a month."""

    __tablename__ = "plan_run_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String)
    grouping: Mapped[str] = mapped_column(String)
    priority: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String)
    month: Mapped[int] = mapped_column(Integer)
    need: Mapped[float] = mapped_column(Double)
    served: Mapped[float] = mapped_column(Double)
    backlog: Mapped[float] = mapped_column(Double)


class PlanRunShortfall(Base):
    """A need class a run left short, with the reasons and marginal values that explain it
    (the planning core's explanation, `reasons` as it gives them)."""

    __tablename__ = "plan_run_shortfalls"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String)
    category: Mapped[str] = mapped_column(String)
    grouping: Mapped[str] = mapped_column(String)
    priority: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String)
    need: Mapped[float] = mapped_column(Double)
    short_at_end: Mapped[float] = mapped_column(Double)
    unit_months_short: Mapped[float] = mapped_column(Double)
    weighted_unit_months_short: Mapped[float] = mapped_column(Double)
    first_short_month: Mapped[int] = mapped_column(Integer)
    last_short_month: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(exact_json(), default=list)


class PlanRunSummary(Base):
    """What the pages show of a finished run, summed when the run finished (`plans.summary`):
    the result tables per item, operation, grouping, line and fund, a few thousand numbers
    where the tables hold a hundred thousand rows."""

    __tablename__ = "plan_run_summaries"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="CASCADE"), primary_key=True
    )
    summary: Mapped[dict[str, Any]] = mapped_column(exact_json())
