"""`kuznia export excel --output FILE.xlsx [--template]` and `kuznia import WORKBOOK.xlsx`, run
through the `kuznia` command itself on a database named by KUZNIA_DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from kuznia.cli.main import app
from kuznia.instance import write_instance
from kuznia.synthetic import generate, supplier_countries


class Kuznia:
    """The `kuznia` command on one database."""

    def __init__(self, database_url: str) -> None:
        self.runner = CliRunner(env={"KUZNIA_DATABASE_URL": database_url})

    def __call__(self, *arguments: str | Path) -> Result:
        return self.runner.invoke(app, [str(argument) for argument in arguments])


@pytest.fixture
def kuznia(database_url: str) -> Kuznia:
    command = Kuznia(database_url)
    assert command("db", "upgrade").exit_code == 0
    return command


@pytest.fixture
def second_database(tmp_path: Path) -> Kuznia:
    """Another, empty, migrated database (SQLite: where the workbook goes does not matter)."""
    command = Kuznia(f"sqlite:///{(tmp_path / 'second.db').as_posix()}")
    assert command("db", "upgrade").exit_code == 0
    return command


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.json"
    write_instance(generate("small", seed=7), path)
    return path


def test_a_workbook_exported_and_imported_into_an_empty_database_is_the_same_registry(
    kuznia: Kuznia, second_database: Kuznia, small_file: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "out" / "registry.xlsx"
    kuznia("import", small_file)

    exported = kuznia("export", "excel", "--output", workbook)
    imported = second_database("import", workbook)
    second_database("export", "instance", "--output", tmp_path / "back.json")

    assert (exported.exit_code, imported.exit_code) == (0, 0)
    assert "100 lines, 863 needs" in exported.stdout
    assert "Imported synthetic-small-seed7 from" in imported.stdout
    assert (tmp_path / "back.json").read_bytes() == small_file.read_bytes()


def test_generated_supplier_countries_travel_through_the_registry_and_its_workbook(
    kuznia: Kuznia, second_database: Kuznia, tmp_path: Path
) -> None:
    # `kuznia generate` writes a workbook with synthetic supplier countries (decision 0016);
    # the registry keeps them, exports them and a second registry imports them
    generated, exported = tmp_path / "generated.xlsx", tmp_path / "exported.xlsx"
    made = kuznia("generate", "small", "--seed", "7", "--output", generated)
    kuznia("import", generated)
    kuznia("export", "excel", "--output", exported)
    second_database("import", exported)

    def countries(path: Path) -> list[object]:
        sheet = openpyxl.load_workbook(path)["Foreign supply"]
        header = [cell.value for cell in sheet[1]]
        column = header.index("supplier_country")
        return [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]

    expected = supplier_countries(generate("small", seed=7), seed=7)
    assert made.exit_code == 0, made.stdout
    assert countries(generated) == countries(exported) == expected
    again = tmp_path / "again.xlsx"
    second_database("export", "excel", "--output", again)
    assert countries(again) == expected


def test_a_workbook_imports_into_the_database_the_fixtures_name(
    kuznia: Kuznia, second_database: Kuznia, small_file: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "registry.xlsx"
    second_database("import", small_file)
    second_database("export", "excel", "--output", workbook)

    imported = kuznia("import", workbook)
    kuznia("export", "instance", "--output", tmp_path / "back.json")

    assert imported.exit_code == 0
    assert (tmp_path / "back.json").read_bytes() == small_file.read_bytes()


def test_a_bad_workbook_imports_nothing_and_names_every_bad_cell(
    kuznia: Kuznia, small_file: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "registry.xlsx"
    kuznia("import", small_file)
    kuznia("export", "excel", "--output", workbook)
    book = openpyxl.load_workbook(workbook)
    book["Lines"]["D5"] = "lots"
    book["Needs"]["A7"] = "art-999"
    book.save(workbook)

    result = kuznia("import", workbook, "--replace")
    kuznia("export", "instance", "--output", tmp_path / "after.json")

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Invalid workbook {workbook}: 2 problem(s)",
        '  Lines!D5 (capacity): must be a number >= 0, got "lots"',
        '  Needs!A7 (item): unknown item "art-999"',
        "Nothing was imported.",
    ]
    assert "Traceback" not in result.output
    assert (tmp_path / "after.json").read_bytes() == small_file.read_bytes()


def test_an_empty_registry_exports_the_empty_template(kuznia: Kuznia, tmp_path: Path) -> None:
    workbook = tmp_path / "template.xlsx"

    result = kuznia("export", "excel", "-o", workbook)

    assert result.exit_code == 0
    assert "Wrote the empty template" in result.stdout
    assert "(the registry is empty)" in result.stdout
    book = openpyxl.load_workbook(workbook)
    assert book["Needs"].max_row == 1
    assert book["Settings"]["B3"].value == "2026-01"


def test_template_gives_the_empty_template_with_the_registrys_months(
    kuznia: Kuznia, tmp_path: Path
) -> None:
    instance_file = tmp_path / "tiny.json"
    write_instance(generate("tiny", seed=7), instance_file)
    kuznia("import", instance_file)
    workbook = tmp_path / "template.xlsx"

    result = kuznia("export", "excel", "--output", workbook, "--template")

    assert result.exit_code == 0
    book = openpyxl.load_workbook(workbook)
    assert [
        row[1] for row in book["Settings"].iter_rows(min_row=3, max_row=4, values_only=True)
    ] == [
        "2026-01",
        3,
    ]
    assert book["Lines"].max_row == 1
    assert [cell.value for cell in book["Capacity by month"][1]] == [
        "line",
        "2026-01",
        "2026-02",
        "2026-03",
    ]


def test_a_workbook_must_be_written_as_xlsx(kuznia: Kuznia, tmp_path: Path) -> None:
    result = kuznia("export", "excel", "--output", tmp_path / "registry.xls")

    assert result.exit_code == 2
    assert "must end in .xlsx" in result.stderr
    assert not (tmp_path / "registry.xls").exists()


def test_a_missing_workbook_is_reported(kuznia: Kuznia, tmp_path: Path) -> None:
    result = kuznia("import", tmp_path / "nowhere.xlsx")

    assert result.exit_code == 2
    assert "no such file" in result.stderr
