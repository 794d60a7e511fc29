"""Every ORM write becomes an audit event, without a service having to remember it.

After each flush, the session's created, changed and deleted objects are recorded with their
columns before and after, in the same transaction. Writes the ORM does not see (bulk inserts,
conditional updates) are recorded by their services with `kuznia.audit.chain.record`.

The events of one transaction are appended together when it commits (`kuznia.audit.chain`
keeps them pending until then): one lock of the chain's head, one multi-row insert and one
update of the head per transaction, however many flushes it made, and the head is locked only
for the commit's last moment instead of from the first write to the end of the request. Events
of a SAVEPOINT that is rolled back are dropped with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction

from kuznia import models
from kuznia.audit.chain import (
    Change,
    append_on_commit,
    append_pending,
    defer,
    drop_pending,
    flush_after_commit,
    forget_pending,
)

# Rows that are not writes of their own: the chain itself, and a plan run's result rows
# (written by the worker as one finished run, recorded as the run's change).
_NOT_AUDITED: frozenset[type] = frozenset(
    {
        models.AuditEvent,
        models.AuditHead,
        models.PlanRunTier,
        models.PlanRunDelivery,
        models.PlanRunPayment,
        models.PlanRunExpansion,
        models.PlanRunAllocation,
        models.PlanRunShortfall,
    }
)
# Secrets are recorded as withheld: the chain is read by auditors, not by attackers.
_WITHHELD = frozenset({"password_hash", "token_hash"})
WITHHELD_VALUE = "[withheld]"


def install(session_class: type[Session]) -> None:
    """Record the writes of every session of `session_class` (a class, not a sessionmaker: a
    sessionmaker's listeners are keyed by its id, which a new one may reuse)."""
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)
        event.listen(session_class, "before_commit", _before_commit)
        event.listen(session_class, "after_commit", flush_after_commit)
        event.listen(session_class, "after_soft_rollback", _after_soft_rollback)
        event.listen(session_class, "after_transaction_end", _after_transaction_end)
    append_on_commit(session_class)


def _after_flush(session: Session, _context: Any) -> None:
    found = [
        *(_change("create", obj) for obj in session.new),
        *(_change("update", obj) for obj in session.dirty),
        *(_change("delete", obj) for obj in session.deleted),
    ]
    changes = [change for change in found if change is not None]
    if changes:
        defer(session=session, changes=changes)


def _before_commit(session: Session) -> None:
    # A SAVEPOINT's release appends nothing: its events wait for the outer commit.
    if session.in_nested_transaction():
        return
    session.flush()  # the last writes, so their events go with the others
    append_pending(session=session)


def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    drop_pending(session=session, transaction=previous_transaction)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        forget_pending(session=session)


def created(
    model: type[Any], rows: Sequence[Mapping[str, Any]], ids: Mapping[int, int]
) -> list[Change]:
    """The changes the unit of work would record for rows of `model` inserted without it
    (bulk inserts, a ledger's fast path): for each row whose place in `rows` has an id in
    `ids`, its creation with every column after, the id among them, and secrets withheld.
    Each row must give every column but the id: a column left to a default would be recorded
    as the database did not store it (ValueError naming it)."""
    mapper: Any = inspect(model)
    entity = mapper.persist_selectable.name
    names = [column.key for column in mapper.column_attrs]
    (key_name,) = (column.key for column in mapper.primary_key)
    changes = []
    for place, row in enumerate(rows):
        new_id = ids.get(place)
        if new_id is None:
            continue
        missing = [name for name in names if name != key_name and name not in row]
        if missing:
            raise ValueError(
                f"a {entity} row inserted without the unit of work lacks {', '.join(missing)}: "
                "give every column, so that its audit event records what was stored"
            )
        after = {name: new_id if name == key_name else _value(name, row[name]) for name in names}
        changes.append(Change("create", entity, str(new_id), before=None, after=after))
    return changes


def _change(action: str, obj: Any) -> Change | None:
    """The change of one object: its columns, and its links through association tables (an
    organisation's funds), before and after; None for an update that changed neither."""
    if type(obj) in _NOT_AUDITED:
        return None
    state = inspect(obj)
    mapper = state.mapper
    entity = mapper.persist_selectable.name
    key = _key_of(obj)
    current = {}
    previous = {}
    for column in mapper.column_attrs:
        name = column.key
        history = state.attrs[name].history
        value = _value(name, history.added[0] if history.added else state.dict.get(name))
        current[name] = value
        if history.deleted:
            previous[name] = _value(name, history.deleted[0])
        else:
            previous[name] = value
    for relationship in mapper.relationships:
        if relationship.secondary is None:
            continue
        history = state.attrs[relationship.key].history
        now = [*history.unchanged, *history.added]
        then = [*history.unchanged, *history.deleted]
        current[relationship.key] = sorted(_key_of(linked) for linked in now)
        previous[relationship.key] = sorted(_key_of(linked) for linked in then)
    if action == "update" and current == previous:
        return None
    if action == "create":
        return Change(action, entity, key, before=None, after=current)
    if action == "delete":
        return Change(action, entity, key, before=previous, after=None)
    return Change(action, entity, key, before=previous, after=current)


def _key_of(obj: Any) -> str:
    return "/".join(str(value) for value in inspect(obj).mapper.primary_key_from_instance(obj))


def _value(name: str, value: Any) -> Any:
    return WITHHELD_VALUE if name in _WITHHELD and value is not None else value
