"""Supply outside the plan's own purchases: foreign deliveries, stock at the start, and
commitments (signed contracts) that a new plan must respect."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Double, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kuznia.models.base import Base, FromInstance, Versioned

if TYPE_CHECKING:
    from kuznia.models.catalog import Item
    from kuznia.models.industry import Line


class ForeignSupply(Versioned, Base):
    """An expected (uncertain) delivery of an item from outside the domestic industry."""

    __tablename__ = "foreign_supplies"
    __table_args__ = (
        CheckConstraint("month >= 0", name="month_non_negative"),
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), index=True)
    month: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[float] = mapped_column(Double)
    quantity_is_int: Mapped[bool] = mapped_column(Boolean, default=False)
    # ISO 3166 alpha-2 code of the supplying country; not part of kuznia-instance/1 (the
    # registry's own knowledge, decision 0016); null where not known.
    supplier_country: Mapped[str | None] = mapped_column(String(2), index=True, default=None)

    item: Mapped[Item] = relationship()


class Stock(Versioned, Base):
    """The stock of an item at the start of the horizon; at most one row per item."""

    __tablename__ = "stocks"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), unique=True)
    quantity: Mapped[float] = mapped_column(Double)
    quantity_is_int: Mapped[bool] = mapped_column(Boolean, default=False)

    item: Mapped[Item] = relationship()


class Commitment(Versioned, FromInstance, Base):
    """A signed contract: at least `quantity` delivered by a line in a `month`, or over a window
    of months `from_month`..`to_month` (a signed guarantee's remainder); exactly one form."""

    __tablename__ = "commitments"
    __table_args__ = (
        CheckConstraint("month >= 0", name="month_non_negative"),
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="RESTRICT"), index=True)
    month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    from_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quantity: Mapped[float] = mapped_column(Double)
    quantity_is_int: Mapped[bool] = mapped_column(Boolean, default=False)

    line: Mapped[Line] = relationship()


class ExportOrder(Versioned, Base):
    """A foreign buyer's offer: up to `quantity` of an item in a month at `price` per unit."""

    __tablename__ = "export_orders"
    __table_args__ = (
        CheckConstraint("month >= 0", name="month_non_negative"),
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
        CheckConstraint("price >= 0", name="price_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String, unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), index=True)
    month: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[float] = mapped_column(Double)
    quantity_is_int: Mapped[bool] = mapped_column(Boolean, default=False)
    price: Mapped[float] = mapped_column(Double)
    price_is_int: Mapped[bool] = mapped_column(Boolean, default=False)
    buyer: Mapped[str] = mapped_column(String)
    # Not part of the instance format: whether planners share the offer with the producers of
    # its item (a producer's user sees an offer only then).
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    item: Mapped[Item] = relationship()
