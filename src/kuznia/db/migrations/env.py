"""Alembic's entry point for Kuznia's migrations (configured in `kuznia.db.migrate`)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import kuznia.models  # noqa: F401  (registers every table on the metadata)
from kuznia.db.engine import create_engine_for
from kuznia.models.base import Base


def run_on(connection: Connection) -> None:
    """Run the migrations on `connection`, in its transaction."""
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite alters tables by copying them; the engine makes its DDL transactional.
        render_as_batch=sqlite,
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: pass a connection or set sqlalchemy.url")
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            run_on(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("Kuznia's migrations run on a database, not as SQL scripts")
run_online()
