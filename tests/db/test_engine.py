"""Settings, engines and sessions: where the database is, and how transactions behave."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from kuznia import models, settings
from kuznia.db import create_engine_for, database_engine, session_scope, upgrade
from kuznia.settings import Settings


def test_sqlite_syncs_every_commit_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'k.db'}")
    with engine.connect() as connection:
        pragmas = [
            connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("synchronous", "journal_mode", "foreign_keys")
        ]
    engine.dispose()

    # synchronous 2 is FULL: an answered commit survives a power loss.
    assert pragmas == [2, "wal", 1]


class TestSettings:
    def test_the_default_database_is_an_sqlite_file_in_the_user_data_directory(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.delenv("KUZNIA_DATABASE_URL", raising=False)
        monkeypatch.setattr(settings, "user_data_path", lambda name: tmp_path / "data" / name)

        url = Settings().database_url

        assert url == f"sqlite:///{(tmp_path / 'data' / 'kuznia' / 'kuznia.db').as_posix()}"
        assert not (tmp_path / "data").exists()

    def test_the_directory_of_the_sqlite_file_is_made_on_first_use(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.delenv("KUZNIA_DATABASE_URL", raising=False)
        monkeypatch.setattr(settings, "user_data_path", lambda name: tmp_path / "data" / name)
        engine = database_engine()

        upgrade(engine=engine)
        engine.dispose()

        assert (tmp_path / "data" / "kuznia" / "kuznia.db").is_file()

    def test_the_database_url_comes_from_the_environment(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("KUZNIA_DATABASE_URL", "postgresql+psycopg://kuznia@db/kuznia")

        assert Settings().database_url == "postgresql+psycopg://kuznia@db/kuznia"


def add_item(engine: Engine, code: str) -> None:
    with session_scope(engine) as session:
        session.add(models.Item(code=code, name=code, category="drones"))


def item_codes(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return list(session.scalars(select(models.Item.code).order_by(models.Item.id)))


class TestSessions:
    def test_session_scope_commits_when_the_block_ends(self, engine: Engine) -> None:
        add_item(engine, "fpv")

        assert item_codes(engine) == ["fpv"]

    def test_session_scope_rolls_back_when_the_block_raises(self, engine: Engine) -> None:
        def add_then_fail() -> None:
            with session_scope(engine) as session:
                session.add(models.Item(code="fpv", name="FPV", category="drones"))
                session.flush()
                raise RuntimeError("stop")

        with pytest.raises(RuntimeError, match="stop"):
            add_then_fail()

        assert item_codes(engine) == []

    def test_foreign_keys_are_enforced(self, engine: Engine) -> None:
        add_item(engine, "fpv")

        with pytest.raises(IntegrityError), session_scope(engine) as session:
            session.add(models.Line(code="l1", producer_id=999, item_id=1, capacity=1, price=1.0))

    def test_a_check_constraint_refuses_an_empty_horizon(self, engine: Engine) -> None:
        with pytest.raises(IntegrityError), session_scope(engine) as session:
            session.add(models.PlanningSettings(start="2026-01", months=0))


class TestOptimisticConcurrency:
    def test_an_update_counts_the_version_up(self, engine: Engine) -> None:
        add_item(engine, "fpv")

        with session_scope(engine) as session:
            item = session.scalars(select(models.Item)).one()
            item.name = "FPV drone"
        with session_scope(engine) as session:
            assert session.scalars(select(models.Item.version)).one() == 2

    def test_an_update_from_a_stale_read_is_refused_and_loses_nothing(self, engine: Engine) -> None:
        add_item(engine, "fpv")
        with session_scope(engine) as first, session_scope(engine) as second:
            mine = first.scalars(select(models.Item)).one()
            first.commit()
            theirs = second.scalars(select(models.Item)).one()
            theirs.name = "theirs"
            second.commit()

            mine.name = "mine"
            with pytest.raises(StaleDataError):
                first.flush()
            first.rollback()

        with session_scope(engine) as session:
            assert session.scalars(select(models.Item.name)).one() == "theirs"
