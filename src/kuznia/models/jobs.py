"""Analyses that take longer than a request may wait (what would close a shortfall, money
curves, scenarios, sweeps): queued here, solved by the worker processes that solve plan runs,
followed by their progress, cancelled by their status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Double, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kuznia.models.base import Base, Versioned, utc_now
from kuznia.models.planning import PlanRunStatus
from kuznia.models.types import EnumString, exact_json


class Job(Versioned, Base):
    """One analysis: its kind and parameters, where it is, and its answer once finished."""

    __tablename__ = "jobs"
    __table_args__ = (CheckConstraint("progress >= 0 AND progress <= 1", name="progress_share"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What is computed (`close`, `curve`, ...): the handler registered for it in kuznia.jobs.
    kind: Mapped[str] = mapped_column(String(32), index=True)
    # A job lives as a plan run does: queued, running, finished, failed or cancelled.
    status: Mapped[PlanRunStatus] = mapped_column(
        EnumString(PlanRunStatus), default=PlanRunStatus.queued, index=True
    )
    # The parameters as given (validated by the kind's own request schema).
    params: Mapped[dict[str, Any]] = mapped_column(exact_json(), default=dict)
    # The plan run it analyses, when it analyses one.
    plan_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="CASCADE"), nullable=True, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    progress: Mapped[float] = mapped_column(Double, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    # The answer (JSON as the kind defines it), once finished.
    result: Mapped[dict[str, Any] | None] = mapped_column(exact_json(), nullable=True)
    # The process working on it and its machine: a cancel stops a local one at once, any other
    # at its next progress report.
    worker_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    worker_host: Mapped[str | None] = mapped_column(String(255), nullable=True)
