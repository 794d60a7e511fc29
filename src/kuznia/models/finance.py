"""Money: funds with a budget per calendar year and the rules for what they may pay for."""

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kuznia.models.base import Base, FromInstance, Versioned, enum_type

if TYPE_CHECKING:
    from kuznia.models.industry import Producer


class FundKind(StrEnum):
    state = "state"
    partner = "partner"
    eu = "eu"
    jv = "jv"


class EligibilityRule(StrEnum):
    """Which of a fund's `eligible` lists a value belongs to (named as in the format)."""

    categories = "categories"
    ownership = "ownership"
    producers = "producers"
    regions = "regions"


class Fund(Versioned, FromInstance, Base):
    """A source of money; `code` is its id in the instance format."""

    __tablename__ = "funds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String, unique=True)
    name: Mapped[str] = mapped_column(String, default="")
    kind: Mapped[FundKind] = mapped_column(enum_type(FundKind, name="fund_kind"))
    # The format's `expansions`: may the fund pay for expansions' capex?
    pays_expansions: Mapped[bool] = mapped_column(Boolean, default=True)

    budgets: Mapped[list[FundBudget]] = relationship(
        back_populates="fund", cascade="all, delete-orphan", order_by="FundBudget.id"
    )
    eligibility: Mapped[list[FundEligibility]] = relationship(
        back_populates="fund", cascade="all, delete-orphan", order_by="FundEligibility.id"
    )


class FundBudget(Base):
    """What a fund may pay in one calendar year; a year without a row is 0. Edited through
    its fund."""

    __tablename__ = "fund_budgets"
    __table_args__ = (
        UniqueConstraint("fund_id", "year"),
        CheckConstraint("year >= 0 AND year <= 9999", name="year_in_range"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[float] = mapped_column(Double)
    amount_is_int: Mapped[bool] = mapped_column(Boolean, default=False)

    fund: Mapped[Fund] = relationship(back_populates="budgets")


class FundEligibility(Base):
    """One value of one of a fund's `eligible` lists; a fund may pay for a line only when
    every non-empty list matches it. Edited through its fund.

    A producer is referenced by key (`producer_id`), so it cannot be deleted while a fund names
    it: dropping the last producer of a list would silently make every producer eligible. The
    other lists hold their value (`value`): a category, an ownership or a region.
    """

    __tablename__ = "fund_eligibility"
    __table_args__ = (
        CheckConstraint(
            "(rule = 'producers' AND producer_id IS NOT NULL AND value IS NULL)"
            " OR (rule <> 'producers' AND producer_id IS NULL AND value IS NOT NULL)",
            name="value_or_producer",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    rule: Mapped[EligibilityRule] = mapped_column(
        enum_type(EligibilityRule, name="eligibility_rule")
    )
    value: Mapped[str | None] = mapped_column(String, nullable=True)
    producer_id: Mapped[int | None] = mapped_column(
        ForeignKey("producers.id", ondelete="RESTRICT"), nullable=True, index=True
    )

    fund: Mapped[Fund] = relationship(back_populates="eligibility")
    producer: Mapped[Producer | None] = relationship()
