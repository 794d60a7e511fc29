"""Sessions. Application code flushes; the boundary (a command, a request) commits or rolls
back, through `session_scope`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kuznia.audit.capture import install
from kuznia.audit.chain import Actor, set_actor


class AuditedSession(Session):
    """A session whose every write is recorded in the audit chain (`kuznia.audit.capture`)."""


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session maker bound to `engine`; objects stay readable after commit; every write
    through its sessions is recorded in the audit chain."""
    install(AuditedSession)
    return sessionmaker(bind=engine, expire_on_commit=False, class_=AuditedSession)


@contextmanager
def session_scope(engine: Engine, actor: Actor | None = None) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back if it raises;
    its writes are recorded in the audit chain as `actor`'s (default: `system`)."""
    session = session_factory(engine)()
    if actor is not None:
        set_actor(session, actor)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
