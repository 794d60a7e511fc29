"""The industry: producers (with joint-venture partners), their lines, and expansion options.

A line's capacity and price are stored as JSON, each a number or a list of one number per
month, exactly as the instance format writes them, rather than as a child table of
(line, month, capacity, price) rows: a line's monthly profile is read and edited as one value
(a producer updates its line's plan, under the line's version), the planning core reads it as
a whole, and JSON keeps a number or list, and each int or float, as given, so the snapshot
round trip is exact with no per-month flags. Per-month queries in SQL are not needed: they are
the planning core's job, on arrays.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Double,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kuznia.models.base import Base, FromInstance, Versioned, enum_type
from kuznia.models.types import exact_json

if TYPE_CHECKING:
    from kuznia.models.catalog import Item

# A number in the format: an int or a float. The JSON value of a per-month field.
PerMonthValue = int | float | list[int | float]


class Ownership(StrEnum):
    state = "state"
    private = "private"
    joint_venture = "joint_venture"


class Producer(Versioned, FromInstance, Base):
    """A company; `code` is its id in the instance format."""

    __tablename__ = "producers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String, unique=True)
    name: Mapped[str] = mapped_column(String)
    ownership: Mapped[Ownership] = mapped_column(enum_type(Ownership, name="ownership"))
    region: Mapped[str] = mapped_column(String, index=True)
    # people employed (optional in the format: NULL when not given)
    employees: Mapped[int | None] = mapped_column(Integer, nullable=True)

    partners: Mapped[list[JointVenturePartner]] = relationship(
        back_populates="producer",
        cascade="all, delete-orphan",
        order_by="JointVenturePartner.id",
    )
    lines: Mapped[list[Line]] = relationship(back_populates="producer", order_by="Line.id")


class JointVenturePartner(Base):
    """A foreign partner's share of a joint venture; edited through its producer."""

    __tablename__ = "joint_venture_partners"
    __table_args__ = (CheckConstraint("share > 0 AND share <= 1", name="share_in_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE"), index=True
    )
    country: Mapped[str] = mapped_column(String)
    share: Mapped[float] = mapped_column(Double)
    # Whether the source wrote the share as an integer (1, not 1.0): see FromInstance.
    share_is_int: Mapped[bool] = mapped_column(Boolean, default=False)

    producer: Mapped[Producer] = relationship(back_populates="partners")


class Line(Versioned, FromInstance, Base):
    """One producer's capability to make one item; `code` is its id in the instance format."""

    __tablename__ = "lines"
    __table_args__ = (
        CheckConstraint("lead_time >= 0", name="lead_time_non_negative"),
        CheckConstraint("min_rate >= 0", name="min_rate_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String, unique=True)
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id", ondelete="RESTRICT"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), index=True)
    # Units per month, and price per unit: a number, or a list of one number per month.
    capacity: Mapped[PerMonthValue] = mapped_column(exact_json())
    price: Mapped[PerMonthValue] = mapped_column(exact_json())
    lead_time: Mapped[int] = mapped_column(Integer, default=0)
    min_rate: Mapped[float] = mapped_column(Double, default=0.0)
    min_rate_is_int: Mapped[bool] = mapped_column(Boolean, default=True)

    producer: Mapped[Producer] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship()
    expansions: Mapped[list[Expansion]] = relationship(
        back_populates="line", order_by="Expansion.id"
    )


class Expansion(Versioned, FromInstance, Base):
    """An investment option on a line; `code` is its id in the instance format."""

    __tablename__ = "expansions"
    __table_args__ = (
        CheckConstraint("start >= 0 AND delay >= 0", name="months_non_negative"),
        CheckConstraint("added_capacity >= 0 AND capex >= 0", name="amounts_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String, unique=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="RESTRICT"), index=True)
    start: Mapped[int] = mapped_column(Integer, default=0)
    delay: Mapped[int] = mapped_column(Integer, default=0)
    added_capacity: Mapped[float] = mapped_column(Double)
    added_capacity_is_int: Mapped[bool] = mapped_column(Boolean, default=False)
    capex: Mapped[float] = mapped_column(Double)
    capex_is_int: Mapped[bool] = mapped_column(Boolean, default=False)

    line: Mapped[Line] = relationship(back_populates="expansions")
