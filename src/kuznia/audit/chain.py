"""The hash chain: appending events and proving that none was changed, removed or reordered.

An event's hash is SHA-256 over its canonical JSON: sequence number, time, actor, action,
entity, id, the record before and after (as stored text) and the previous event's hash.
Appending locks the head row (`SELECT ... FOR UPDATE`; on SQLite the writer already holds the
database lock), numbers the events after the head and moves the head, all in the writer's
transaction: the events land with the write they describe, or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from kuznia.models.audit import GENESIS_HASH, HEAD_ID, AuditEvent, AuditHead
from kuznia.models.base import as_utc

# Where a session keeps who is writing through it (set once the caller is known).
ACTOR_KEY = "kuznia.audit.actor"
# A stored value longer than this is recorded by its digest: a plan run's instance snapshot is
# megabytes, and the digest proves it as well.
LONGEST_VALUE = 4096


@dataclass(frozen=True)
class Actor:
    """Who writes: a user (id and e-mail) or a process (`cli`, `worker`, `system`)."""

    name: str
    user_id: int | None = None


SYSTEM = Actor(name="system")


@dataclass(frozen=True)
class Change:
    """One write to record: an action on an entity, the record before and after."""

    action: str
    entity: str
    entity_id: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Break:
    """Where the chain first fails: the event's number (and row id, if it exists) and why."""

    seq: int
    event_id: int | None
    problem: str


@dataclass(frozen=True)
class Verification:
    """The outcome of walking the chain: how many events were checked and the first break."""

    events: int
    head_seq: int
    first_break: Break | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def set_actor(session: Session, actor: Actor) -> None:
    """Make `actor` the author of every write through `session` from now on."""
    session.info[ACTOR_KEY] = actor


def actor_of(session: Session) -> Actor:
    """The author of writes through `session` (`system` when none was set)."""
    actor: Actor = session.info.get(ACTOR_KEY, SYSTEM)
    return actor


def record(*, session: Session, changes: Iterable[Change]) -> None:
    """Append events for writes made outside the ORM's unit of work (bulk inserts, conditional
    updates); the ORM's own writes are recorded by `kuznia.audit.capture`."""
    append(connection=session.connection(), actor=actor_of(session), changes=changes)


def append(*, connection: Connection, actor: Actor, changes: Iterable[Change]) -> int:
    """Append one event per change after the chain's head, in the connection's transaction;
    the number of events appended."""
    pending = list(changes)
    if not pending:
        return 0
    head = connection.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID).with_for_update()
    ).one_or_none()
    if head is None:
        connection.execute(insert(AuditHead).values(id=HEAD_ID, seq=0, hash=GENESIS_HASH))
        seq, prev_hash = 0, GENESIS_HASH
    else:
        seq, prev_hash = head.seq, head.hash
    rows = []
    for change in pending:
        seq += 1
        row = {
            "seq": seq,
            "at": datetime.now(UTC),
            "actor_id": actor.user_id,
            "actor": actor.name,
            "action": change.action,
            "entity": change.entity,
            "entity_id": change.entity_id,
            "before": canonical(change.before),
            "after": canonical(change.after),
            "prev_hash": prev_hash,
        }
        row["hash"] = prev_hash = event_hash(row)
        rows.append(row)
    connection.execute(insert(AuditEvent), rows)
    connection.execute(
        update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=seq, hash=prev_hash)
    )
    return len(rows)


def verify(*, session: Session, batch: int = 5000) -> Verification:
    """Walk the chain in order and report the first event that is missing, out of place,
    edited, or not linked to the one before; and whether the head matches the last event."""
    expected, prev_hash, checked = 1, GENESIS_HASH, 0
    for event in _in_order(session, batch):
        problem = None
        if event.seq != expected:
            return _broken(
                checked,
                session,
                Break(expected, None, f"event {expected} is missing (the next is {event.seq})"),
            )
        if event.prev_hash != prev_hash:
            problem = (
                f"its previous hash does not match event {expected - 1}'s hash: an event before "
                "it was changed, removed or moved"
            )
        elif event_hash(_stored(event)) != event.hash:
            problem = "its content does not match its hash: it was changed after it was written"
        if problem is not None:
            found = Break(event.seq, event.id, f"event {event.seq}: {problem}")
            return _broken(checked, session, found)
        prev_hash, expected, checked = event.hash, expected + 1, checked + 1
    head = session.get(AuditHead, HEAD_ID)
    head_seq = head.seq if head is not None else 0
    last = expected - 1
    if head is None and last > 0:
        return Verification(checked, 0, Break(last, None, "the chain's head record is missing"))
    if head is not None and (head.seq != last or head.hash != prev_hash):
        problem = (
            f"the chain ends at event {last} but its head names event {head.seq}: "
            "events were removed from its end, or the head was changed"
        )
        return Verification(checked, head_seq, Break(min(last + 1, head.seq), None, problem))
    return Verification(checked, head_seq, None)


def _in_order(session: Session, batch: int) -> Iterator[AuditEvent]:
    """Every event in order of its number, a batch at a time (keyset pages: no cursor stays
    open when the walk stops early)."""
    after = None
    while True:
        statement = select(AuditEvent).order_by(AuditEvent.seq).limit(batch)
        if after is not None:
            statement = statement.where(AuditEvent.seq > after)
        events = session.scalars(statement).all()
        yield from events
        if len(events) < batch:
            return
        after = events[-1].seq
        session.expunge_all()


def _broken(checked: int, session: Session, first_break: Break) -> Verification:
    head = session.get(AuditHead, HEAD_ID)
    return Verification(checked, head.seq if head is not None else 0, first_break)


def _stored(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": as_utc(event.at),
        "actor_id": event.actor_id,
        "actor": event.actor,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }


def event_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 of an event's fields (all but its own hash), in a fixed order."""
    fields = [
        row["seq"],
        row["at"].astimezone(UTC).isoformat(timespec="microseconds"),
        row["actor_id"],
        row["actor"],
        row["action"],
        row["entity"],
        row["entity_id"],
        row["before"],
        row["after"],
        row["prev_hash"],
    ]
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical(record: Mapping[str, Any] | None) -> str | None:
    """A record as canonical JSON text (sorted keys, no spaces), or None."""
    if record is None:
        return None
    return json.dumps(
        {key: plain(value) for key, value in record.items()},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
    )


def plain(value: Any) -> Any:
    """A stored value as JSON can hold it; long text by its digest."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) > LONGEST_VALUE:
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
        return {"sha256": digest, "length": len(value)}
    if isinstance(value, (list, tuple)):
        return [plain(part) for part in value]
    if isinstance(value, dict):
        return {str(key): plain(part) for key, part in value.items()}
    return value
