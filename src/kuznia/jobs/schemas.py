"""What the job endpoints read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kuznia.models import PlanRunStatus
from kuznia.models.base import as_utc


class JobRead(BaseModel):
    """A job as its readers see it; `result` once it finished."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str = Field(description="What is computed: close (what would close a shortfall), ...")
    status: PlanRunStatus
    progress: float = Field(description="Share of the work done, 0..1.")
    message: str
    params: dict[str, Any]
    plan_run_id: int | None = Field(description="The plan run analysed, if any.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result: dict[str, Any] | None = Field(description="The answer, once finished.")
    version: int

    @field_validator("created_at", "started_at", "finished_at")
    @classmethod
    def _in_utc(cls, moment: datetime | None) -> datetime | None:
        """An RFC 3339 date-time has its offset (SQLite drops it)."""
        return None if moment is None else as_utc(moment)
