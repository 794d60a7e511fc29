"""National targets: what the country means to make of a category (or one item) in a month
or a quarter, tracked against the approved plan and the depots' accepted receipts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Double, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kuznia.models.base import Base, Versioned, utc_now

# A period is a month (YYYY-MM) or a quarter (YYYY-Qn): seven characters either way.
PERIOD_LENGTH = 7


class Target(Versioned, Base):
    """A national goal for a category (or one of its items) in a period: an absolute quantity,
    or a multiple of a base month's output (`multiple` x what the base month made, each month
    of the period)."""

    __tablename__ = "targets"
    __table_args__ = (
        CheckConstraint(
            "(quantity IS NOT NULL AND multiple IS NULL)"
            " OR (quantity IS NULL AND multiple IS NOT NULL AND base_month IS NOT NULL)",
            name="quantity_or_multiple",
        ),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        CheckConstraint("multiple IS NULL OR multiple > 0", name="multiple_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String, index=True)
    item: Mapped[str | None] = mapped_column(String, nullable=True)
    period: Mapped[str] = mapped_column(String(PERIOD_LENGTH))
    quantity: Mapped[float | None] = mapped_column(Double, nullable=True)
    multiple: Mapped[float | None] = mapped_column(Double, nullable=True)
    # The month whose output a multiple multiplies; for a quantity, where growth is measured from.
    base_month: Mapped[str | None] = mapped_column(String(7), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
