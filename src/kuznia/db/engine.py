"""Engines for the configured database: an SQLite file (the embedded default) or PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, exc
from sqlalchemy import create_engine as sqlalchemy_create_engine
from sqlalchemy.engine import URL, make_url

from kuznia.settings import Settings

# Seconds an SQLite connection waits for another writer (the web process, a solve worker).
SQLITE_BUSY_TIMEOUT = 30
# FULL: a commit returns only once the WAL is synced to disk, so an answered write (a 201)
# survives a power loss; NORMAL may lose the last commits then (the cost is measured in
# docs/benchmarks-execution.md, "SQLite: synchronous=FULL").
SQLITE_SYNCHRONOUS = "FULL"

# Seconds to wait for a PostgreSQL connection to open (Settings.database_connect_timeout).
POSTGRESQL_CONNECT_TIMEOUT = 10
# Execution option naming how an SQLite transaction begins: "DEFERRED" or "IMMEDIATE".
SQLITE_BEGIN = "sqlite_begin"
# A pooled server connection idle longer than this is pinged before it is handed out (one
# round trip); one used more recently is handed out as it is: under load every request
# would otherwise pay a ping (issue 16). The bound: a request that begins within this time of
# its connection's last use and meets a database restart in between fails once (the pool is
# then replaced; a ledger write sent again under its client key is recorded once).
PING_AFTER_IDLE_SECONDS = 1.0
# Where a pooled connection's record keeps when it was last given back.
_RETURNED_AT = "kuznia.returned_at"


def create_engine_for(url: str | URL, **options: Any) -> Engine:
    """An engine for the database at `url`; SQLite gets foreign keys, real transactions
    (SAVEPOINTs included) and WAL, and its file's directory is made if missing."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        if url.get_backend_name() == "postgresql":
            # a server that does not answer fails the connect, instead of hanging the request
            connect_args = options.setdefault("connect_args", {})
            connect_args.setdefault("connect_timeout", POSTGRESQL_CONNECT_TIMEOUT)
        engine = sqlalchemy_create_engine(url, **options)
        if not options.get("pool_pre_ping"):
            _ping_when_idle(engine)
        return engine
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    connect_args = options.pop("connect_args", {})
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT)
    engine = sqlalchemy_create_engine(url, connect_args=connect_args, **options)
    _configure_sqlite(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before handing it out only when it was idle for more than
    `PING_AFTER_IDLE_SECONDS` (SQLAlchemy's `pool_pre_ping` pings at every checkout); a ping
    that finds the server gone replaces every pooled connection, as `pool_pre_ping` does."""

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.pop(_RETURNED_AT, None)
        if returned_at is None or time.monotonic() - returned_at <= PING_AFTER_IDLE_SECONDS:
            return  # new, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.InvalidatePoolError() from error
            raise


def database_engine(settings: Settings | None = None) -> Engine:
    """An engine for the database that `settings` (by default, the environment) names."""
    settings = settings or Settings()
    if make_url(settings.database_url).get_backend_name() == "postgresql":
        return create_engine_for(
            settings.database_url,
            connect_args={"connect_timeout": settings.database_connect_timeout},
            # kept open: a request holds one connection, and under load a pool smaller than the
            # requests in flight opened and closed one per request (issue 16)
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_pool_size,
        )
    return create_engine_for(settings.database_url)


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL for concurrent readers, every commit synced to disk (FULL), and
    transactions begun by SQLAlchemy.

    Python's sqlite3 driver begins transactions itself, late and not before DDL or SAVEPOINT,
    which breaks all-or-nothing imports and transactional migrations; so the driver is put in
    autocommit mode and SQLAlchemy emits BEGIN (the recipe in SQLAlchemy's SQLite docs).
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _connection_record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {SQLITE_SYNCHRONOUS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A transaction that will write asks for the write lock up front (IMMEDIATE): two
        # deferred transactions that both read and then write deadlock, and SQLite answers
        # the second "database is locked" at once instead of waiting its busy timeout.
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")
