"""The audit chain: an append-only list of events, each carrying the hash of the one before.

`audit_events.seq` numbers the events 1, 2, 3, ... with no gaps, so a deleted event shows as a
missing number; `prev_hash` ties each event to its predecessor, so an edited or reordered event
breaks the link; `audit_head` holds the last event's number and hash, so cutting events off the
end shows too. Appending locks the head row: events are numbered one writer at a time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kuznia.models.base import Base

HEAD_ID = 1
GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One write: who, when, what (entity and id), the record before and after (canonical
    JSON, NULL for a create's before or a delete's after), and the chain's hashes."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # The user's id (not a foreign key: the chain outlives users) and a readable name.
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    actor: Mapped[str] = mapped_column(String)
    action: Mapped[str] = mapped_column(String)
    entity: Mapped[str] = mapped_column(String, index=True)
    entity_id: Mapped[str] = mapped_column(String)
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # How `hash` was made: `hmac-sha256:<key id>` (keyed, since revision 0006) or `sha256`
    # (the events written before the chain was keyed).
    scheme: Mapped[str] = mapped_column(String(40), default="sha256", server_default="sha256")


class AuditHead(Base):
    """The chain's last event: one row (id 1), locked by every append."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint(f"id = {HEAD_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=HEAD_ID)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
