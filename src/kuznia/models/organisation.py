"""Organisations: the ministry, producers, partners (funding countries or programmes), depots
and auditors. Every user belongs to one; need-to-know scoping starts from it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kuznia.models.base import Base, Versioned, enum_type, utc_now

if TYPE_CHECKING:
    from kuznia.models.finance import Fund
    from kuznia.models.industry import Producer


class OrganisationKind(StrEnum):
    ministry = "ministry"
    producer = "producer"
    partner = "partner"
    depot = "depot"
    auditor = "auditor"


# A partner organisation sees what these funds pay for. A fund may belong to several partners
# (a joint programme), and a partner may have several funds.
organisation_funds = Table(
    "organisation_funds",
    Base.metadata,
    Column(
        "organisation_id",
        ForeignKey("organisations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("fund_id", ForeignKey("funds.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Organisation(Versioned, Base):
    """An organisation; a producer organisation is linked to its producer, a partner
    organisation to its funds."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(
            "producer_id IS NULL OR kind = 'producer'", name="producer_only_for_producers"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        enum_type(OrganisationKind, name="organisation_kind")
    )
    # SET NULL: replacing the registry re-links organisations to producers by code afterwards.
    producer_id: Mapped[int | None] = mapped_column(
        ForeignKey("producers.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    producer: Mapped[Producer | None] = relationship()
    funds: Mapped[list[Fund]] = relationship(secondary=organisation_funds, order_by="Fund.id")
