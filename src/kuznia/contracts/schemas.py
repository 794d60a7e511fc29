"""What the contract and guarantee endpoints read and write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kuznia.models import ContractStatus, GuaranteeStatus
from kuznia.models.base import as_utc
from kuznia.pagination import MAX_DB_INT
from kuznia.text import Code, Note

# The largest quantity, unit price and amount a request may give: far beyond any real contract,
# small enough that quantity x price x months stays a finite number.
MAX_QUANTITY = 1e12
MAX_MONEY = 1e15
# The longest horizon the instance format allows (`kuznia.instance.schema`).
MAX_MONTHS = 600

Version = Annotated[
    int, Field(ge=1, le=MAX_DB_INT, description="The record's version you read (for 409 checks).")
]
Reason = Annotated[Note, Field(description="Why; not empty.")]


@dataclass(frozen=True)
class AgreementFilters:
    """Which contracts or guarantees a list shows (None: any): of this status, producer, item,
    line or plan run, or paid (contracts) or to be paid (guarantees) in part by this fund."""

    status: str | None = None
    producer: str | None = None
    item: str | None = None
    line: str | None = None
    plan_run_id: int | None = None
    fund: str | None = None


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class ApproveRequest(_Request):
    firm_months: int | None = Field(
        default=None,
        ge=0,
        le=MAX_MONTHS,
        description="Months from the start of the run's horizon turned into contracts; the "
        "deliveries after them become purchase guarantees. Default: the whole horizon.",
    )
    guarantee_share: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="Share of the planned quantity after the firm months that a guarantee "
        "promises to buy at least.",
    )


class VersionBody(_Request):
    version: Version


class DeliveryPointsUpdate(_Request):
    version: Version
    depots: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1,
        max_length=10000,
        description="The codes of the depots that receive it (all of them: this replaces the "
        "list). A receipt at any other depot is refused.",
    )


class TerminateRequest(_Request):
    version: Version
    reason: Reason


class DeliveryTerms(_Request):
    month: str = Field(max_length=32, description="YYYY-MM.")
    quantity: float = Field(ge=0, le=MAX_QUANTITY)
    price: float = Field(ge=0, le=MAX_MONEY, description="Price of a unit.")


class FundingTerms(_Request):
    fund: Code = Field(description="The fund's code.")
    year: int = Field(ge=1, le=9999)
    amount: float = Field(ge=0, le=MAX_MONEY)


class AmendmentRequest(_Request):
    version: Version
    reason: Reason
    deliveries: list[DeliveryTerms] = Field(
        min_length=1, max_length=MAX_MONTHS, description="The whole new monthly schedule."
    )
    funding: list[FundingTerms] | None = Field(
        default=None,
        max_length=10000,
        description="Who pays what per year; default: the previous version's funding rescaled "
        "to the new schedule's value year by year.",
    )


class DeliveryRead(BaseModel):
    month: str
    quantity: float
    price: float
    value: float


class FundingRead(BaseModel):
    fund: str
    year: int
    amount: float
    share: float = Field(description="The amount's share of the version's value.")


class ContractVersionRead(BaseModel):
    number: int
    created_at: datetime
    reason: str
    quantity: float
    value: float
    deliveries: list[DeliveryRead]
    funding: list[FundingRead] = Field(
        description="Who pays; a partner's user sees only its own funds' rows."
    )

    @field_validator("created_at")
    @classmethod
    def _in_utc(cls, moment: datetime) -> datetime:
        return as_utc(moment)


class ContractRead(BaseModel):
    id: int
    number: str
    plan_run_id: int | None
    producer: str
    line: str
    item: str
    currency: str
    status: ContractStatus
    current_version: int
    versions: int = Field(description="How many versions the contract has.")
    created_at: datetime
    signed_at: datetime | None
    closed_at: datetime | None
    termination_reason: str | None
    terms: ContractVersionRead = Field(description="The version in force.")
    delivery_points: list[str] = Field(
        description="The codes of the depots that receive it (a receipt elsewhere is refused)."
    )
    version: int = Field(description="The record's version (send it back to change it).")

    @field_validator("created_at", "signed_at", "closed_at")
    @classmethod
    def _in_utc(cls, moment: datetime | None) -> datetime | None:
        return as_utc(moment) if moment else moment


class GuaranteeFund(BaseModel):
    fund: str
    share: float


class GuaranteeRead(BaseModel):
    id: int
    number: str
    plan_run_id: int | None
    producer: str
    line: str
    item: str
    quantity: float = Field(description="The least quantity promised to be bought.")
    price: float = Field(description="The highest price of a unit.")
    start: str
    end: str
    funds: list[GuaranteeFund] = Field(
        description="The funds expected to pay, in the plan's proportions; a partner's user "
        "sees only its own."
    )
    status: GuaranteeStatus
    created_at: datetime
    signed_at: datetime | None
    closed_at: datetime | None
    delivery_points: list[str] = Field(description="The codes of the depots that receive it.")
    version: int

    @field_validator("created_at", "signed_at", "closed_at")
    @classmethod
    def _in_utc(cls, moment: datetime | None) -> datetime | None:
        return as_utc(moment) if moment else moment


class ApprovedContract(BaseModel):
    id: int
    number: str
    producer: str
    line: str
    item: str
    quantity: float
    value: float


class ApprovedGuarantee(BaseModel):
    id: int
    number: str
    producer: str
    line: str
    item: str
    quantity: float
    price: float
    start: str
    end: str


class FundTotal(BaseModel):
    fund: str
    contracted: float = Field(description="What the fund pays under the new contracts.")
    guaranteed: float = Field(
        description="The most the guarantees can cost the fund: its share of quantity x price."
    )


class ApprovalRead(BaseModel):
    plan_run_id: int
    firm_months: int
    guarantee_share: float
    contracts: list[ApprovedContract]
    guarantees: list[ApprovedGuarantee]
    funds: list[FundTotal]
