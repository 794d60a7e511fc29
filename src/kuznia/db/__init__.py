"""The database: engine, sessions, the declarative base and the Alembic migrations."""

from kuznia.db.engine import create_engine_for, database_engine
from kuznia.db.migrate import current_revision, head_revision, is_up_to_date, upgrade
from kuznia.db.session import session_scope
from kuznia.models.base import Base

__all__ = [
    "Base",
    "create_engine_for",
    "current_revision",
    "database_engine",
    "head_revision",
    "is_up_to_date",
    "session_scope",
    "upgrade",
]
