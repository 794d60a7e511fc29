"""What the API says about the audit chain: its events and the outcome of verifying it."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEventRead(BaseModel):
    """One event of the chain: who wrote what, the record before and after, and the hashes
    that tie it to the event before."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor: str
    actor_id: int | None
    action: str
    entity: str
    entity_id: str
    before: Any = Field(description="The record before the write (null for a create).")
    after: Any = Field(description="The record after the write (null for a delete).")
    prev_hash: str
    hash: str
    scheme: str = Field(
        description="How the hash was made: hmac-sha256:<key id> (keyed) or sha256 (written "
        "before the chain was keyed)."
    )


class AuditFilters(BaseModel):
    """Filters of the event list; every one optional."""

    entity: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    action: str | None = None


class BreakRead(BaseModel):
    seq: int
    event_id: int | None
    problem: str


class VerificationRead(BaseModel):
    """Whether the chain is intact; if not, its first broken event."""

    intact: bool
    events: int = Field(description="Events checked and found intact, in order.")
    unkeyed_events: int = Field(
        description="Of those, events with a plain SHA-256 (written before the chain was "
        "keyed): only an anchored head protects them."
    )
    expected: str | None = Field(
        description="The anchor checked (SEQ:HASH), if one was given as `expect`."
    )
    head_seq: int = Field(description="The number of the last event, as the chain's head says.")
    head_hash: str = Field(
        description="The last event's hash as the head holds it: copy it outside the database "
        "to catch a chain rewritten from some event on, head included."
    )
    first_break: BreakRead | None
    seconds: float


class HeadRead(BaseModel):
    """The chain's head: copy `anchor` outside the database, give it back as `expect`."""

    seq: int
    hash: str
    at: datetime | None
    anchor: str = Field(description="SEQ:HASH, for `verify?expect=` and `kuznia audit verify`.")


class MismatchRead(BaseModel):
    table: str
    row_id: str
    field: str = Field(description="The column, or * for the whole row.")
    in_row: Any
    per_chain: Any
    problem: str


class ReconciliationRead(BaseModel):
    """Whether the rows are what the chain's events say; if not, every row that differs."""

    consistent: bool
    events: int = Field(description="Events replayed.")
    rows: int = Field(description="Rows compared.")
    mismatches: list[MismatchRead]
    seconds: float
