"""The planner's workbench: stored what-if scenarios (`kuznia-scenario/1` documents), each
run against a finished plan run as a job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kuznia.models.base import Base, Versioned, utc_now
from kuznia.models.types import exact_json


class Scenario(Versioned, Base):
    """A named what-if scenario: strikes, foreign-supply cuts, budget changes, surges of need."""

    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # The whole `kuznia-scenario/1` document (name and description repeated in it).
    document: Mapped[dict[str, Any]] = mapped_column(exact_json())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
