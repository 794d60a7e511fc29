"""The hash chain: appending events and proving that none was changed, removed or reordered.

An event's hash is an HMAC-SHA-256, under the audit key kept outside the database
(`kuznia.audit.keys`), over its canonical JSON: sequence number, time, actor, action, entity,
id, the record before and after (as stored text), the previous event's hash and the scheme
(which names the key). Events written before the chain was keyed carry a plain SHA-256 of the
same fields without the scheme (`sha256`); they are accepted only before the first keyed one.
Appending locks the head row (`SELECT ... FOR UPDATE`; on SQLite the writer already holds the
database lock), numbers the events after the head and moves the head, all in the writer's
transaction: the events land with the write they describe, or not at all.

A session's events wait in the session until its transaction commits (`defer`, by
`kuznia.audit.capture` and `record`), and are then appended in one go (`append_pending`): one
lock of the head, one multi-row insert, one update of the head per transaction, never a round
trip per event; a rolled-back SAVEPOINT drops the events recorded inside it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction

from kuznia.audit.keys import KEYED, UNKEYED, Keyring, keyring
from kuznia.bulk import copy_rows
from kuznia.models.audit import GENESIS_HASH, HEAD_ID, AuditEvent, AuditHead
from kuznia.models.base import as_utc

# Where a session keeps who is writing through it (set once the caller is known).
ACTOR_KEY = "kuznia.audit.actor"
# Where a session keeps the events waiting for its commit: (transaction, actor, change) each.
PENDING_KEY = "kuznia.audit.pending"
# A stored value longer than this is recorded by its digest: a plan run's instance snapshot is
# megabytes, and the digest proves it as well.
LONGEST_VALUE = 4096
# The most events appended by one statement that also moves the head (PostgreSQL): a
# request's few; a batch's many go by the driver's multi-row insert, then the head moves.
EVENTS_WITH_HEAD = 100

# Where a session asks its next commit not to wait for the disk (`commit_then_flush`), and
# where the append says it did so.
WITHOUT_FLUSH_KEY = "kuznia.audit.commit_without_flush"
_NOT_FLUSHED_KEY = "kuznia.audit.commit_not_flushed"
# PostgreSQL: this transaction's COMMIT returns once its WAL is written, not flushed.
_COMMIT_WITHOUT_FLUSH = func.set_config("synchronous_commit", "off", True)
# PostgreSQL: a transaction of its own that writes a WAL record (a transactional logical
# message of no content: no table, nothing for a reader), so that its COMMIT waits for the
# flush of every record before it (a transaction that wrote no WAL would not wait).
_FLUSH_BARRIER = "SELECT pg_logical_emit_message(true, 'kuznia.flush', '')"


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
    unkeyed: int = 0

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
    """Record writes made outside the ORM's unit of work (bulk inserts, conditional updates);
    the ORM's own writes are recorded by `kuznia.audit.capture`. Appended when the session's
    transaction commits, with its other events."""
    defer(session=session, changes=changes)


# Session classes whose commits append their pending events (`kuznia.audit.capture.install`).
_DEFERRING: set[type[Session]] = set()


def append_on_commit(session_class: type[Session]) -> None:
    """Let sessions of `session_class` keep their events until commit (its commit hooks
    call `append_pending`)."""
    _DEFERRING.add(session_class)


def defer(*, session: Session, changes: Iterable[Change]) -> None:
    """Keep `changes` to append when the session's transaction commits, tagged with the
    innermost transaction (a SAVEPOINT's, if one is open) so a rollback can drop them; a
    session without the commit hooks appends at once."""
    pending = list(changes)
    if not pending:
        return
    actor = actor_of(session)
    if not isinstance(session, tuple(_DEFERRING)):
        append(connection=session.connection(), actor=actor, changes=pending)
        return
    transaction = session.get_nested_transaction() or session.get_transaction()
    waiting: list[tuple[SessionTransaction | None, Actor, Change]]
    waiting = session.info.setdefault(PENDING_KEY, [])
    waiting.extend((transaction, actor, change) for change in pending)


def append_pending(*, session: Session) -> int:
    """Append the session's pending events to the chain, in its transaction; how many."""
    waiting = session.info.pop(PENDING_KEY, [])
    if not waiting:
        return 0
    without_flush = bool(session.info.get(WITHOUT_FLUSH_KEY))
    connection = session.connection()
    appended = _append_rows(
        connection, [(actor, change) for _, actor, change in waiting], without_flush=without_flush
    )
    if without_flush:
        # waited for once the COMMIT is done, on this same connection (`flush_after_commit`)
        session.info[_NOT_FLUSHED_KEY] = connection
    return appended


def flush_after_commit(session: Session) -> None:
    """After a commit that did not wait for the disk (`commit_then_flush`): wait for the
    flush before the commit returns to its caller (a session's `after_commit` hook, run while
    the session still holds the transaction's connection)."""
    connection: Connection | None = session.info.pop(_NOT_FLUSHED_KEY, None)
    if connection is not None:
        wait_for_flush(connection)


def drop_pending(*, session: Session, transaction: SessionTransaction) -> None:
    """Forget the pending events of a rolled-back transaction and of those inside it."""
    waiting = session.info.get(PENDING_KEY)
    if not waiting or not (transaction.nested or transaction.parent is None):
        return
    session.info[PENDING_KEY] = [entry for entry in waiting if not _within(entry[0], transaction)]


def forget_pending(*, session: Session) -> None:
    """Forget every pending event (the session's transaction ended)."""
    session.info.pop(PENDING_KEY, None)


def _within(inner: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while inner is not None:
        if inner is outer:
            return True
        inner = inner.parent
    return False


def append(*, connection: Connection, actor: Actor, changes: Iterable[Change]) -> int:
    """Append one event per change after the chain's head, in the connection's transaction;
    the number of events appended."""
    return _append_rows(connection, [(actor, change) for change in changes])


def _append_rows(
    connection: Connection, pending: list[tuple[Actor, Change]], *, without_flush: bool = False
) -> int:
    """Lock the head, insert the events after it in one statement, move the head; with
    `without_flush` (PostgreSQL), the transaction's COMMIT is told not to wait for the disk
    by the statement that locks the head."""
    if not pending:
        return 0
    head = connection.execute(_LOCK_HEAD_WITHOUT_FLUSH if without_flush else _LOCK_HEAD).first()
    if head is None:
        if without_flush:
            connection.execute(select(_COMMIT_WITHOUT_FLUSH))
        connection.execute(insert(AuditHead).values(id=HEAD_ID, seq=0, hash=GENESIS_HASH))
        seq, prev_hash = 0, GENESIS_HASH
    else:
        seq, prev_hash = head.seq, head.hash
    ring = keyring()
    at = datetime.now(UTC)
    rows = []
    for actor, change in pending:
        seq += 1
        row = {
            "seq": seq,
            "at": at,
            "actor_id": actor.user_id,
            "actor": actor.name,
            "action": change.action,
            "entity": change.entity,
            "entity_id": change.entity_id,
            "before": canonical(change.before),
            "after": canonical(change.after),
            "prev_hash": prev_hash,
            "scheme": ring.scheme,
        }
        row["hash"] = prev_hash = event_hash(row, ring)
        rows.append(row)
    if connection.dialect.name == "postgresql" and len(rows) <= EVENTS_WITH_HEAD:
        # One round trip fewer while the head is locked: the head moves in a CTE of the INSERT.
        parameters: dict[str, Any] = {"head_id": HEAD_ID, "head_seq": seq, "head_hash": prev_hash}
        for number, row in enumerate(rows):
            parameters.update((f"{name}_{number}", value) for name, value in row.items())
        connection.exec_driver_sql(_append_with_head(len(rows), connection.dialect), parameters)
        return len(rows)
    # a batch's many events (a 500-event ledger batch appends about a thousand while it holds
    # the head and its contracts): PostgreSQL's COPY, not an INSERT executed per row (issue 16)
    copy_rows(connection, AuditEvent.__table__, rows)  # type: ignore[arg-type]
    connection.execute(
        update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=seq, hash=prev_hash)
    )
    return len(rows)


_LOCK_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID).with_for_update()
_LOCK_HEAD_WITHOUT_FLUSH = (
    select(AuditHead.seq, AuditHead.hash, _COMMIT_WITHOUT_FLUSH)
    .where(AuditHead.id == HEAD_ID)
    .with_for_update()
)

# The SQL of `_append_with_head`, by driver and number of events.
_WITH_HEAD: dict[tuple[str, int], str] = {}


def _append_with_head(count: int, dialect: Dialect) -> str:
    """The SQL (the driver's own, compiled once: SQLAlchemy does not cache a statement with a
    writing CTE) inserting `count` events in a statement whose CTE moves the head;
    parameters `NAME_i` for event i's fields, `head_seq` and `head_hash`."""
    key = (dialect.driver, count)
    if key not in _WITH_HEAD:
        names = [column.key for column in AuditEvent.__table__.columns if column.key != "id"]
        events: list[dict[str, Any]] = [
            {name: bindparam(f"{name}_{number}") for name in names} for number in range(count)
        ]
        move_head = (
            update(AuditHead)
            .where(AuditHead.id == bindparam("head_id", HEAD_ID))
            .values(seq=bindparam("head_seq"), hash=bindparam("head_hash"))
        )
        statement = insert(AuditEvent).values(events).add_cte(move_head.cte("moved"))
        _WITH_HEAD[key] = str(statement.compile(dialect=dialect))
    return _WITH_HEAD[key]


def commit_then_flush(session: Session) -> None:
    """Commit the session's transaction, its pending events appended; return once it is
    durable. On PostgreSQL a transaction that appends to the chain commits without waiting
    for the disk (the head and every row lock released at once), then waits for the WAL's
    flush through it on the same connection (decision 0019): the head is held for the append
    and the COMMIT, not for the fsync, and concurrent flushes share one. A transaction that
    appended nothing, and SQLite's, commit as usual."""
    if session.get_bind().dialect.name != "postgresql":
        session.commit()
        return
    session.info[WITHOUT_FLUSH_KEY] = True
    try:
        session.commit()  # its after_commit hook waits for the flush (`flush_after_commit`)
    finally:
        session.info.pop(WITHOUT_FLUSH_KEY, None)
        session.info.pop(_NOT_FLUSHED_KEY, None)


def wait_for_flush(connection: Connection) -> None:
    """Return once PostgreSQL has flushed to disk the WAL of every transaction committed
    before the call: a one-statement transaction writing a WAL record and committing
    synchronously (it waits for the flush of its own commit record, which follows theirs).

    Run through the driver on `connection` between transactions (its last one committed, the
    session not yet done with it): SQLAlchemy would begin a transaction around it and the
    session would roll that back; a second pooled connection would cost a checkout and a
    ping per write."""
    driver = connection.connection.dbapi_connection
    if driver is None:  # never: the session holds the connection until after this hook
        raise LookupError("the committed transaction's connection is gone")
    driver.autocommit = True
    cursor = driver.cursor()
    try:
        cursor.execute(_FLUSH_BARRIER)
    finally:
        cursor.close()
        driver.autocommit = False


@dataclass(frozen=True)
class Anchor:
    """A head copied outside the database: an event's number and hash (`SEQ:HASH`)."""

    seq: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """`SEQ:HASH` as `kuznia audit head` prints it; ValueError naming what is wrong."""
        seq, _, digest = text.strip().partition(":")
        if not (seq.isascii() and seq.isdigit()) or len(digest) != 64 or not _is_hex(digest):
            raise ValueError(
                f"expected SEQ:HASH (an event number, a colon and 64 hex digits), got {text!r}"
            )
        return cls(int(seq), digest.lower())


def _is_hex(text: str) -> bool:
    return all(character in "0123456789abcdefABCDEF" for character in text)


def verify(*, session: Session, expect: Anchor | None = None, batch: int = 5000) -> Verification:
    """Walk the chain in order and report the first event that is missing, out of place,
    edited, not linked to the one before, or not signed with the audit key; whether the head
    matches the last event; and, given an anchor copied earlier, whether the chain still holds
    that event with that hash (a cut or rewritten tail)."""
    ring = keyring()
    expected, prev_hash, checked, unkeyed, keyed = 1, GENESIS_HASH, 0, 0, False
    for event in _in_order(session, batch):
        if event.seq != expected:
            return _broken(
                checked,
                session,
                Break(expected, None, f"event {expected} is missing (the next is {event.seq})"),
                unkeyed,
            )
        problem = None
        if event.prev_hash != prev_hash:
            problem = (
                f"its previous hash does not match event {expected - 1}'s hash: an event before "
                "it was changed, removed or moved"
            )
        else:
            problem = _hash_problem(event, ring, keyed_before=keyed)
        anchored = expect is not None and event.seq == expect.seq
        if problem is None and anchored and expect is not None and event.hash != expect.hash:
            problem = (
                f"its hash {event.hash[:12]}… is not the anchored {expect.hash[:12]}…: the "
                "chain was rewritten up to this event"
            )
        if problem is not None:
            found = Break(event.seq, event.id, f"event {event.seq}: {problem}")
            return _broken(checked, session, found, unkeyed)
        if event.scheme == UNKEYED:
            unkeyed += 1
        else:
            keyed = True
        prev_hash, expected, checked = event.hash, expected + 1, checked + 1
    head = session.get(AuditHead, HEAD_ID)
    head_seq = head.seq if head is not None else 0
    last = expected - 1
    if head is None and last > 0:
        return Verification(
            checked, 0, Break(last, None, "the chain's head record is missing"), unkeyed
        )
    if head is not None and (head.seq != last or head.hash != prev_hash):
        problem = (
            f"the chain ends at event {last} but its head names event {head.seq}: "
            "events were removed from its end, or the head was changed"
        )
        return Verification(
            checked, head_seq, Break(min(last + 1, head.seq), None, problem), unkeyed
        )
    if expect is not None and expect.seq > last:
        problem = (
            f"the chain ends at event {last} but event {expect.seq} was anchored: events "
            f"{last + 1} to {expect.seq} were cut off its end (and the head moved back)"
        )
        return Verification(checked, head_seq, Break(last + 1, None, problem), unkeyed)
    return Verification(checked, head_seq, None, unkeyed)


def _hash_problem(event: AuditEvent, ring: Keyring, *, keyed_before: bool) -> str | None:
    """What is wrong with an event's own hash, or None."""
    scheme = event.scheme
    if scheme == UNKEYED:
        if keyed_before:
            return (
                "it carries an unkeyed hash after keyed events: it was replaced by someone "
                "without the audit key"
            )
    elif scheme.startswith(f"{KEYED}:"):
        if scheme.removeprefix(f"{KEYED}:") not in ring.keys:
            return (
                f"it was signed with audit key {scheme.removeprefix(f'{KEYED}:')}, which is not "
                "configured (set that key, or keep it as a retired key in the key file)"
            )
    else:
        return f"its hash scheme {scheme!r} is unknown"
    if not hmac.compare_digest(event_hash(_stored(event), ring), event.hash):
        return "its content does not match its hash: it was changed after it was written"
    return None


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


def _broken(checked: int, session: Session, first_break: Break, unkeyed: int) -> Verification:
    head = session.get(AuditHead, HEAD_ID)
    return Verification(checked, head.seq if head is not None else 0, first_break, unkeyed)


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
        "scheme": event.scheme,
    }


def event_hash(row: Mapping[str, Any], ring: Keyring | None = None) -> str:
    """An event's hash by its scheme: HMAC-SHA-256 under the key its scheme names, over its
    fields (all but its own hash) and the scheme, in a fixed order; plain SHA-256 over the
    fields for events written before the chain was keyed (`sha256`, or no scheme)."""
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
    scheme = row.get("scheme", UNKEYED)
    if scheme == UNKEYED:
        text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    ring = ring or keyring()
    key = ring.keys.get(str(scheme).removeprefix(f"{KEYED}:"))
    if key is None:
        raise ValueError(f"audit key of scheme {scheme!r} is not configured")
    text = json.dumps([*fields, scheme], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


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
