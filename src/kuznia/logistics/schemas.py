"""What the execution endpoints read and write: depots, the daily ledger (production reports,
receipts with acceptance, dispatches), stock, and the execution reports.

Every submission to the ledger carries the client's `client_key`: a retry with the same key
and the same content answers with the stored record, a different content under a used key is
refused. Quantities are whole units of the item (JSON integers: 2.5 or 1e-9 is refused with 422
naming the field), positive, and at most `MAX_QUANTITY` (so no sum overflows a BIGINT).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from kuznia.models.base import as_utc
from kuznia.models.execution import CLIENT_KEY_LENGTH, ContractStatus
from kuznia.pagination import MAX_DB_INT
from kuznia.text import Code, Location, Lot, Name, Note

# More units than any delivery holds, few enough that sums of millions of them fit a BIGINT.
MAX_QUANTITY = 10**12

ClientKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=CLIENT_KEY_LENGTH,
        description="The client's own key for this submission (a UUID, say): a retry with the "
        "same key and content is answered with the stored record (200), the same key with "
        "another content is refused (409).",
    ),
]
Positive = Annotated[int, Field(gt=0, le=MAX_QUANTITY, description="Whole units of the item.")]
NonNegative = Annotated[int, Field(ge=0, le=MAX_QUANTITY, description="Whole units of the item.")]
RecordId = Annotated[int, Field(ge=1, le=MAX_DB_INT)]


def _iso_day(value: object) -> object:
    """A day is written YYYY-MM-DD (not a number of seconds, as lax parsing would take)."""
    if isinstance(value, str) and not (len(value) == 10 and value[4] == value[7] == "-"):
        raise ValueError("a day is written YYYY-MM-DD")
    if not isinstance(value, str | date):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


# A calendar day in a request body: the body is validated strictly, but JSON has no dates.
Day = Annotated[date, BeforeValidator(_iso_day), Field(strict=False)]


class Submission(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


# --- depots ------------------------------------------------------------------------------------


class DepotCreate(Submission):
    code: Code
    name: Annotated[Name, Field(min_length=1)]
    region: Name = ""
    location: Location = Field(default="", description="Sensitive: withheld from exports.")
    organisation_id: RecordId | None = Field(
        default=None, description="The depot organisation whose logistics users work here."
    )


class DepotUpdate(Submission):
    version: Annotated[int, Field(ge=1, le=MAX_DB_INT, description="The version read.")]
    code: Code | None = None
    name: Annotated[Name, Field(min_length=1)] | None = None
    region: Name | None = None
    location: Location | None = None
    organisation_id: RecordId | None = None


class DepotRead(BaseModel):
    id: int
    code: str
    name: str
    region: str
    location: str
    organisation_id: int | None
    version: int


class StockRead(BaseModel):
    """What a depot holds of an item now (accepted receipts less dispatches)."""

    depot_id: int
    depot: str
    item: str
    quantity: int


# --- the ledger --------------------------------------------------------------------------------


class ProductionReportCreate(Submission):
    client_key: ClientKey
    contract_id: RecordId
    day: Day = Field(description="The day the output was made (not in the future).")
    quantity: Positive
    lot: Lot = ""
    note: Note = ""


class ReceiptCreate(Submission):
    client_key: ClientKey
    depot: Code = Field(description="The receiving depot's code (one of the caller's depots).")
    contract_id: RecordId = Field(
        description="The contract delivered under (signed or in delivery)."
    )
    day: Day = Field(description="The day it arrived (not in the future).")
    lot: Lot = ""
    received: Positive = Field(description="What arrived: accepted + rejected.")
    accepted: NonNegative = Field(description="What acceptance took into stock.")
    rejected: NonNegative = Field(description="What acceptance refused; needs a reason.")
    reason: Note = Field(default="", description="Why some was rejected.")


class DispatchCreate(Submission):
    client_key: ClientKey
    depot: Code = Field(description="The sending depot's code (one of the caller's depots).")
    item: Code = Field(description="The item's code.")
    grouping: Code = Field(description="The receiving grouping's code (in the registry).")
    day: Day = Field(description="The day it left (not in the future).")
    quantity: Positive
    note: Note = ""


class ReversalCreate(Submission):
    client_key: ClientKey
    reason: Annotated[Note, Field(min_length=1, description="Why the record is corrected.")]


# --- a depot's day in one request ---------------------------------------------------------------

# The most events one batch may carry (a depot's day; more go in further batches).
MOST_BATCH_EVENTS = 2000


class BatchReceipt(ReceiptCreate):
    kind: Literal["receipt"] = Field(description="A receipt (the fields of POST /receipts).")


class BatchDispatch(DispatchCreate):
    kind: Literal["dispatch"] = Field(description="A dispatch (the fields of POST /dispatches).")


BatchEvent = Annotated[BatchReceipt | BatchDispatch, Field(discriminator="kind")]


class LedgerBatch(Submission):
    events: list[BatchEvent] = Field(
        min_length=1,
        max_length=MOST_BATCH_EVENTS,
        description="Receipts and dispatches in the order they happened, each with its own "
        "client key: all are recorded or none (the first bad one is named by its index).",
    )


class BatchEventRead(BaseModel):
    index: int = Field(description="The event's place in the request's `events` (from 0).")
    kind: Literal["receipt", "dispatch"]
    client_key: str
    id: int = Field(description="The receipt's or dispatch's id (GET /receipts/{id}, ...).")
    created: bool = Field(
        description="False for an event stored before under its client key (a retry)."
    )


class LedgerBatchRead(BaseModel):
    recorded: int = Field(description="Events recorded by this request.")
    stored_before: int = Field(
        description="Events found stored under their client keys with the same content "
        "(retries): recorded nothing."
    )
    events: list[BatchEventRead]


class _LedgerRead(BaseModel):
    id: int
    client_key: str
    day: date
    reverses_id: int | None = Field(description="The record this one reverses (a correction).")
    reversed_by_id: int | None = Field(description="The record that reverses this one, if any.")
    created_at: datetime
    created_by_id: int | None

    @field_validator("created_at")
    @classmethod
    def _in_utc(cls, moment: datetime) -> datetime:
        """An RFC 3339 date-time has its offset (SQLite drops it)."""
        return as_utc(moment)


class ProductionReportRead(_LedgerRead):
    contract_id: int
    contract: str = Field(description="The contract's number.")
    producer: str
    item: str
    quantity: int
    lot: str
    note: str


class ReceiptRead(_LedgerRead):
    depot_id: int
    depot: str
    contract_id: int
    contract: str = Field(description="The contract's number.")
    item: str
    lot: str
    received: int
    accepted: int
    rejected: int
    reason: str


class DispatchRead(_LedgerRead):
    depot_id: int
    depot: str
    item: str
    grouping: str
    quantity: int
    note: str


LedgerRecordRead = ProductionReportRead | ReceiptRead | DispatchRead
"""A record of the ledger as its readers see it (the read model of its kind)."""


class ReceivableContract(BaseModel):
    """A contract the caller's depots may receive under: who delivers what where, no terms."""

    id: int
    number: str
    producer: str
    item: str
    depots: list[str] = Field(description="Its delivery points among the caller's depots.")


# --- reports -----------------------------------------------------------------------------------


class DailyReceived(BaseModel):
    depot: str
    item: str
    received: int
    accepted: int
    rejected: int


class DailyProduced(BaseModel):
    producer: str
    item: str
    quantity: int


class DailyForwarded(BaseModel):
    grouping: str
    item: str
    quantity: int


class DailyStock(BaseModel):
    depot: str
    item: str
    quantity: int


class DailyReport(BaseModel):
    """One day at the depots, as the ledger says now (corrections included): what arrived and
    how acceptance judged it, what producers reported making, what went to which grouping, and
    the stock at the end of the day. Each caller sees its own part."""

    day: date
    depot: str | None = Field(description="The depot the report is limited to, if any.")
    received: list[DailyReceived]
    produced: list[DailyProduced]
    forwarded: list[DailyForwarded]
    stock: list[DailyStock] = Field(description="Stock per depot and item at the day's end.")


class ContractProgress(BaseModel):
    contract_id: int
    number: str
    producer: str
    line: str
    item: str
    status: ContractStatus
    scheduled_total: float = Field(description="The current version's whole schedule.")
    scheduled_to_date: float = Field(
        description="Months before the as-of month in full, that month pro rata by day."
    )
    produced_to_date: float
    accepted_to_date: float
    late: float = Field(description="scheduled_to_date - accepted_to_date, when positive.")
    left: float = Field(description="scheduled_total - accepted_to_date, when positive.")
    projected_total: float | None = Field(
        description="What an open contract (signed or in delivery) reaches by the end of its "
        "schedule at the pace kept so far, never beyond what is left; None for a completed or "
        "terminated contract."
    )
    at_risk: bool = Field(description="projected_total falls short of scheduled_total.")
    accepted_above_produced: float = Field(
        description="Accepted beyond what the producer reported making (0: none), flagged."
    )
    first_month: str | None
    last_month: str | None


class NeedClassProgress(BaseModel):
    item: str
    grouping: str
    priority: int | None = Field(description="None: dispatched beyond every planned class.")
    operation: str | None
    planned_total: float = Field(description="What the plan run serves this class, all months.")
    scheduled_to_date: float
    dispatched_to_date: float = Field(
        description="Dispatches to the grouping, shared among its classes by priority."
    )
    short: float = Field(description="scheduled_to_date - dispatched_to_date, when positive.")


class PlanVsActual(BaseModel):
    as_of: date
    plan_run_id: int | None = Field(description="The plan run whose allocations are compared.")
    plan_start: str | None = Field(description="The plan run's first month, YYYY-MM.")
    contracts: list[ContractProgress]
    need_classes: list[NeedClassProgress]
