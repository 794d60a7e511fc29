"""`kuznia db upgrade`, `kuznia import FILE`, `kuznia export instance --output FILE`, run the
way the `kuznia` command runs them, on a database named by KUZNIA_DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from kuznia.cli.db import app as db_app
from kuznia.cli.db import export_instance_command, import_command
from kuznia.instance import write_instance
from kuznia.synthetic import generate
from tests.db.builders import varied


def kuznia() -> typer.Typer:
    """The commands wired as `kuznia` wires them."""
    app = typer.Typer()
    app.add_typer(db_app, name="db")
    app.command("import")(import_command)
    export = typer.Typer()
    export.command("instance")(export_instance_command)
    app.add_typer(export, name="export")
    return app


@pytest.fixture
def run(database_url: str) -> CliRunnerCall:
    return CliRunnerCall(database_url)


class CliRunnerCall:
    def __init__(self, database_url: str) -> None:
        self.runner = CliRunner(env={"KUZNIA_DATABASE_URL": database_url})
        self.app = kuznia()

    def __call__(self, *arguments: str | Path) -> Result:
        return self.runner.invoke(self.app, [str(argument) for argument in arguments])


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.json"
    write_instance(generate("small", seed=7), path)
    return path


def test_upgrade_then_import_then_export_gives_the_file_back_byte_for_byte(
    run: CliRunnerCall, small_file: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "out" / "exported.json"

    upgraded = run("db", "upgrade")
    imported = run("import", small_file)
    written = run("export", "instance", "--output", exported)

    assert (upgraded.exit_code, imported.exit_code, written.exit_code) == (0, 0, 0)
    assert "migrated from revision none to 0016" in upgraded.stdout
    assert "100 lines, 863 needs" in imported.stdout
    assert exported.read_bytes() == small_file.read_bytes()


def test_upgrade_of_an_up_to_date_database_says_so(run: CliRunnerCall) -> None:
    run("db", "upgrade")

    result = run("db", "upgrade")

    assert result.exit_code == 0
    assert "is up to date (revision 0016)" in result.stdout


def test_import_into_a_registry_holding_data_needs_replace(
    run: CliRunnerCall, small_file: Path, tmp_path: Path
) -> None:
    tiny_file = tmp_path / "tiny.json"
    write_instance(generate("tiny", seed=7), tiny_file)
    run("db", "upgrade")
    run("import", small_file)

    refused = run("import", tiny_file)
    run("export", "instance", "--output", tmp_path / "after-refusal.json")
    replaced = run("import", tiny_file, "--replace")
    run("export", "instance", "--output", tmp_path / "after-replace.json")

    assert refused.exit_code == 2
    assert "already holds a registry" in refused.stderr
    assert "--replace" in refused.stderr
    assert "Traceback" not in refused.output
    assert (tmp_path / "after-refusal.json").read_bytes() == small_file.read_bytes()
    assert replaced.exit_code == 0
    assert (tmp_path / "after-replace.json").read_bytes() == tiny_file.read_bytes()


def test_an_invalid_file_is_reported_and_nothing_is_imported(
    run: CliRunnerCall, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"start": "2026-13", "months": 2, "items": [{"id": "x"}]}')
    run("db", "upgrade")

    result = run("import", bad)
    export = run("export", "instance", "--output", tmp_path / "out.json")

    assert result.exit_code == 2
    assert 'start: must be a month written YYYY-MM, got "2026-13"' in result.stderr
    assert "items[0].name: required field is missing" in result.stderr
    assert "Traceback" not in result.output
    assert export.exit_code == 2
    assert "holds no registry yet" in export.stderr


def test_a_missing_file_is_reported(run: CliRunnerCall, tmp_path: Path) -> None:
    run("db", "upgrade")

    result = run("import", tmp_path / "nowhere.json")

    assert result.exit_code == 2
    assert "$: no such file" in result.stderr


def test_import_into_a_database_never_migrated_asks_for_an_upgrade(
    run: CliRunnerCall, tmp_path: Path
) -> None:
    instance_file = tmp_path / "varied.json"
    write_instance(varied(), instance_file)

    result = run("import", instance_file)

    assert result.exit_code == 2
    assert "Run `kuznia db upgrade` first" in result.stderr


def test_export_of_an_empty_registry_says_so(run: CliRunnerCall, tmp_path: Path) -> None:
    run("db", "upgrade")

    result = run("export", "instance", "--output", tmp_path / "out.json")

    assert result.exit_code == 2
    assert "holds no registry yet" in result.stderr
    assert not (tmp_path / "out.json").exists()


def test_an_unreachable_database_is_reported_without_a_traceback(tmp_path: Path) -> None:
    runner = CliRunner(
        env={"KUZNIA_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/nothing"}
    )

    result = runner.invoke(kuznia(), ["export", "instance", "--output", str(tmp_path / "x")])

    assert result.exit_code == 1
    assert "Cannot use the database postgresql+psycopg://nobody@127.0.0.1:1/nothing" in (
        result.stderr
    )
    assert "Traceback" not in result.output
