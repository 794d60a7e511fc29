"""Databases for the tests: an SQLite file always, and PostgreSQL too when
KUZNIA_TEST_DATABASE_URL is set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test).

Every test gets a database of its own: an SQLite file, or a PostgreSQL schema reached through
the URL's `options=-csearch_path=...` (a new one for `database_url`, dropped afterwards; one
migrated per session and emptied before each test for `engine`). When
KUZNIA_TEST_DATABASE_URL is set and PostgreSQL cannot be reached, the tests fail: a CI that
silently skipped PostgreSQL would prove nothing about it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

import kuznia.models  # noqa: F401  (registers every table on the metadata)
from kuznia.db import Base, create_engine_for, upgrade

POSTGRES_URL = os.environ.get("KUZNIA_TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, never migrated database, once per backend."""
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path / "kuznia.db")
    else:
        with _postgres_schema() as url:
            yield url


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    """An engine on an empty, never migrated database."""
    engine = create_engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database migrated to the newest revision, holding no rows.

    Migrating costs about half a second on PostgreSQL, so it is done once per test session:
    SQLite tests get a copy of a migrated file, PostgreSQL tests a migrated schema emptied
    before each test (keys go on counting where the last test left them).
    """
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("migrated_sqlite_template")
        path = tmp_path / "kuznia.db"
        shutil.copyfile(template, path)
        engine = create_engine_for(_sqlite_url(path))
    else:
        engine = create_engine_for(request.getfixturevalue("migrated_postgres_url"))
        # DELETE, not TRUNCATE: TRUNCATE makes new files for every table, ten times slower
        # on tables this small.
        with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to the newest revision, to copy for each test."""
    path = tmp_path_factory.mktemp("template") / "kuznia.db"
    engine = create_engine_for(_sqlite_url(path))
    upgrade(engine=engine)
    engine.dispose()  # the last connection closing folds the WAL into the file
    return path


@pytest.fixture(scope="session")
def migrated_postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL schema migrated to the newest revision, for this session."""
    with _postgres_schema() as url:
        engine = create_engine_for(url)
        upgrade(engine=engine)
        engine.dispose()
        yield url


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.as_posix()}"


@contextmanager
def _postgres_schema() -> Iterator[str]:
    """A new schema in KUZNIA_TEST_DATABASE_URL's database, and a URL whose connections use
    it; the schema is dropped afterwards. Fails the test if PostgreSQL cannot be used."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine_for(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except SQLAlchemyError as error:
        admin.dispose()
        pytest.fail(
            f"KUZNIA_TEST_DATABASE_URL is set but PostgreSQL cannot be used: {error}",
            pytrace=False,
        )
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
