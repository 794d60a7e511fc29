"""The opening balance: the registry's stock entered into the depots' ledger once, when
execution starts (the first depot is created), so that a re-plan's stock is the ledger's and
never loses what was there before the first receipt. See docs/decisions/0011-replan-books.md."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kuznia.models.base import Base, utc_now


class OpeningBalance(Base):
    """What a depot held of an item when execution started (from the registry's stock). Never
    edited; at most one per depot and item."""

    __tablename__ = "opening_balances"
    __table_args__ = (
        UniqueConstraint("depot_id", "item"),
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id", ondelete="RESTRICT"), index=True)
    item: Mapped[str] = mapped_column(String, index=True)
    day: Mapped[date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
