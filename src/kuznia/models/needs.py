"""Needs: quantities of items for groupings of troops, by month, operation and priority."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Double, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kuznia.models.base import Base, FromInstance, Versioned, enum_type

if TYPE_CHECKING:
    from kuznia.models.catalog import Item


class Operation(StrEnum):
    defensive = "defensive"
    offensive = "offensive"
    stabilization = "stabilization"


class Grouping(Versioned, FromInstance, Base):
    """An operational-strategic grouping of troops; `code` is its id in the instance format."""

    __tablename__ = "groupings"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String, unique=True)
    name: Mapped[str] = mapped_column(String, default="")


class Need(Versioned, FromInstance, Base):
    """A quantity of an item for a grouping in a month (0-based in the horizon)."""

    __tablename__ = "needs"
    __table_args__ = (
        CheckConstraint("month >= 0", name="month_non_negative"),
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
        CheckConstraint("priority >= 1", name="priority_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), index=True)
    grouping_id: Mapped[int] = mapped_column(
        ForeignKey("groupings.id", ondelete="RESTRICT"), index=True
    )
    month: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[float] = mapped_column(Double)
    quantity_is_int: Mapped[bool] = mapped_column(Boolean, default=False)
    operation: Mapped[Operation] = mapped_column(enum_type(Operation, name="operation"))
    priority: Mapped[int] = mapped_column(Integer, default=1)

    item: Mapped[Item] = relationship()
    grouping: Mapped[Grouping] = relationship()
