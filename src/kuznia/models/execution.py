"""Execution: what an approved plan turns into and what happens to it day by day.

Contracts and guarantees name producers, lines, items and funds by code, like plan runs: a
signed contract is a document that does not change when the registry is replaced. A contract's
terms live in versions; an amendment adds a version and never edits one.

The daily ledger (production reports, receipts with acceptance, dispatches) counts whole units
of the item (BIGINT columns: no float noise, stock and totals reconcile to the unit). It is
append-only: a
correction is a reversal, a row with `reverses_id` set and the quantities negated, and a row can
be reversed once. Every submission carries the client's key, unique per kind, so a retried
request is recorded once. Stock per depot and item is kept in `depot_stocks`, whose CHECK (and
the conditional update that changes it) never lets it go below zero.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kuznia.models.base import Base, Versioned, enum_type, utc_now

# A client key: what the submitting client chose to identify one submission (a UUID, say).
CLIENT_KEY_LENGTH = 100


class Depot(Versioned, Base):
    """A depot that receives items from producers and dispatches them to groupings. Its
    location is sensitive: it is withheld from exports by configuration."""

    __tablename__ = "depots"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String, unique=True)
    name: Mapped[str] = mapped_column(String)
    region: Mapped[str] = mapped_column(String, default="")
    location: Mapped[str] = mapped_column(String, default="")
    # The depot organisation whose logistics users work here.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), nullable=True, index=True
    )


class ContractStatus(StrEnum):
    draft = "draft"
    signed = "signed"
    in_delivery = "in_delivery"
    completed = "completed"
    terminated = "terminated"


# A contract that takes deliveries (production reports, receipts) and binds a re-plan.
OPEN_FOR_DELIVERY = frozenset({ContractStatus.signed, ContractStatus.in_delivery})
# A contract plan versus actual counts: signed once (a draft is not in force) and not ended early.
IN_FORCE = frozenset({ContractStatus.signed, ContractStatus.in_delivery, ContractStatus.completed})
# A contract whose life is over.
CLOSED = frozenset({ContractStatus.completed, ContractStatus.terminated})


class Contract(Versioned, Base):
    """A contract with one producer for one line: its terms are its current version's."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String, unique=True)
    plan_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="SET NULL"), nullable=True, index=True
    )
    producer: Mapped[str] = mapped_column(String, index=True)
    line: Mapped[str] = mapped_column(String, index=True)
    item: Mapped[str] = mapped_column(String, index=True)
    currency: Mapped[str] = mapped_column(String, default="USD")
    status: Mapped[ContractStatus] = mapped_column(
        enum_type(ContractStatus, name="contract_status"), default=ContractStatus.draft
    )
    # The number of the version in force (1 at approval; each amendment adds one).
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    termination_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    versions: Mapped[list[ContractVersion]] = relationship(
        back_populates="contract", order_by="ContractVersion.number"
    )
    delivery_points: Mapped[list[ContractDeliveryPoint]] = relationship(
        order_by="ContractDeliveryPoint.depot_id", cascade="all, delete-orphan"
    )


class ContractVersion(Base):
    """One version of a contract's terms: the monthly schedule and who pays. Never edited."""

    __tablename__ = "contract_versions"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # Why this version exists: "approved from plan run 7", or the amendment's reason.
    reason: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[float] = mapped_column(Double)
    value: Mapped[float] = mapped_column(Double)

    contract: Mapped[Contract] = relationship(back_populates="versions")
    deliveries: Mapped[list[ContractDelivery]] = relationship(
        order_by="ContractDelivery.month", cascade="all"
    )
    funding: Mapped[list[ContractFunding]] = relationship(
        order_by="(ContractFunding.year, ContractFunding.fund)", cascade="all"
    )


class ContractDelivery(Base):
    """A version's scheduled delivery in one month (YYYY-MM)."""

    __tablename__ = "contract_deliveries"
    __table_args__ = (
        UniqueConstraint("version_id", "month"),
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
        CheckConstraint("price >= 0", name="price_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("contract_versions.id", ondelete="RESTRICT"), index=True
    )
    month: Mapped[str] = mapped_column(String(7))
    quantity: Mapped[float] = mapped_column(Double)
    price: Mapped[float] = mapped_column(Double)


class ContractFunding(Base):
    """What one fund pays of a version in one year, and that amount's share of the version."""

    __tablename__ = "contract_funding"
    __table_args__ = (
        UniqueConstraint("version_id", "fund", "year"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("contract_versions.id", ondelete="RESTRICT"), index=True
    )
    fund: Mapped[str] = mapped_column(String, index=True)
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[float] = mapped_column(Double)
    share: Mapped[float] = mapped_column(Double)


class ContractDeliveryPoint(Base):
    """A depot that receives deliveries under a contract: a receipt at any other depot is
    refused. Set at approval (decision 0010), changed by planners; each change counts a new
    `Contract.version` and is recorded in the audit chain."""

    __tablename__ = "contract_delivery_points"

    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True
    )
    depot_id: Mapped[int] = mapped_column(
        ForeignKey("depots.id", ondelete="RESTRICT"), primary_key=True, index=True
    )

    depot: Mapped[Depot] = relationship(lazy="joined")


class GuaranteeDeliveryPoint(Base):
    """A depot that receives purchases under a guarantee (as for contracts)."""

    __tablename__ = "guarantee_delivery_points"

    guarantee_id: Mapped[int] = mapped_column(
        ForeignKey("guarantees.id", ondelete="CASCADE"), primary_key=True
    )
    depot_id: Mapped[int] = mapped_column(
        ForeignKey("depots.id", ondelete="RESTRICT"), primary_key=True, index=True
    )

    depot: Mapped[Depot] = relationship(lazy="joined")


class GuaranteeStatus(StrEnum):
    draft = "draft"
    signed = "signed"
    fulfilled = "fulfilled"
    terminated = "terminated"


class Guarantee(Versioned, Base):
    """A purchase guarantee: a promise to buy at least `quantity` of a line's item over the
    months `start`..`end` (YYYY-MM, inclusive) at no more than `price` a unit."""

    __tablename__ = "guarantees"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String, unique=True)
    plan_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="SET NULL"), nullable=True, index=True
    )
    producer: Mapped[str] = mapped_column(String, index=True)
    line: Mapped[str] = mapped_column(String, index=True)
    item: Mapped[str] = mapped_column(String)
    quantity: Mapped[float] = mapped_column(Double)
    price: Mapped[float] = mapped_column(Double)
    start: Mapped[str] = mapped_column(String(7))
    end: Mapped[str] = mapped_column(String(7))
    # The funds expected to pay, by code, in the plan's proportions: [{"fund", "share"}].
    funds: Mapped[str] = mapped_column(Text, default="[]")
    status: Mapped[GuaranteeStatus] = mapped_column(
        enum_type(GuaranteeStatus, name="guarantee_status"), default=GuaranteeStatus.draft
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    delivery_points: Mapped[list[GuaranteeDeliveryPoint]] = relationship(
        order_by="GuaranteeDeliveryPoint.depot_id", cascade="all, delete-orphan"
    )


def _ledger_sign(*quantities: str) -> CheckConstraint:
    """Originals carry quantities >= 0; a reversal (reverses_id set) carries them <= 0."""
    originals = " AND ".join(f"{q} >= 0" for q in quantities)
    reversals = " AND ".join(f"{q} <= 0" for q in quantities)
    return CheckConstraint(
        f"(reverses_id IS NULL AND {originals}) OR (reverses_id IS NOT NULL AND {reversals})",
        name="reversal_sign",
    )


class ProductionReport(Base):
    """A producer's report of output made for a contract on a day."""

    __tablename__ = "production_reports"
    __table_args__ = (
        _ledger_sign("quantity"),
        UniqueConstraint("organisation_id", "client_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(CLIENT_KEY_LENGTH))
    # Whose submission: client keys are unique per organisation, so another organisation's
    # key is simply unknown (migration 0011; rows recorded before it may hold none).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="RESTRICT"), index=True
    )
    day: Mapped[date] = mapped_column(Date, index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    lot: Mapped[str] = mapped_column(String, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("production_reports.id", ondelete="RESTRICT"), nullable=True, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class Receipt(Base):
    """What arrived at a depot on a day under a contract, and how acceptance judged it:
    `received = accepted + rejected`; a rejection gives its reason."""

    __tablename__ = "receipts"
    __table_args__ = (
        _ledger_sign("received", "accepted", "rejected"),
        CheckConstraint(
            "received = accepted + rejected", name="received_is_accepted_plus_rejected"
        ),
        UniqueConstraint("organisation_id", "client_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(CLIENT_KEY_LENGTH))
    # Whose submission: client keys are unique per organisation, so another organisation's
    # key is simply unknown (migration 0011; rows recorded before it may hold none).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id", ondelete="RESTRICT"), index=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="RESTRICT"), index=True
    )
    item: Mapped[str] = mapped_column(String, index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    lot: Mapped[str] = mapped_column(String, default="")
    received: Mapped[int] = mapped_column(BigInteger)
    accepted: Mapped[int] = mapped_column(BigInteger)
    rejected: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("receipts.id", ondelete="RESTRICT"), nullable=True, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class ForeignReceipt(Base):
    """Foreign supply that arrived at a depot on a day, without a contract: the supplier's
    country, the item and the quantity (a reversal, `reverses_id` set, carries it negated).
    Expected foreign supply is the instance's `foreign_supply`; these are the actuals."""

    __tablename__ = "foreign_receipts"
    __table_args__ = (_ledger_sign("quantity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(CLIENT_KEY_LENGTH), unique=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id", ondelete="RESTRICT"), index=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    item: Mapped[str] = mapped_column(String, index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    quantity: Mapped[float] = mapped_column(Double)
    note: Mapped[str] = mapped_column(Text, default="")
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("foreign_receipts.id", ondelete="RESTRICT"), nullable=True, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class Dispatch(Base):
    """Items a depot sent to an operational-strategic grouping on a day."""

    __tablename__ = "dispatches"
    __table_args__ = (
        _ledger_sign("quantity"),
        UniqueConstraint("organisation_id", "client_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(CLIENT_KEY_LENGTH))
    # Whose submission: client keys are unique per organisation, so another organisation's
    # key is simply unknown (migration 0011; rows recorded before it may hold none).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id", ondelete="RESTRICT"), index=True)
    item: Mapped[str] = mapped_column(String, index=True)
    grouping: Mapped[str] = mapped_column(String, index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("dispatches.id", ondelete="RESTRICT"), nullable=True, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class DepotStock(Base):
    """The accepted stock of an item at a depot: accepted receipts less dispatches."""

    __tablename__ = "depot_stocks"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_non_negative"),)

    depot_id: Mapped[int] = mapped_column(
        ForeignKey("depots.id", ondelete="RESTRICT"), primary_key=True
    )
    item: Mapped[str] = mapped_column(String, primary_key=True)
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)
