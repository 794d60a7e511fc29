"""Workbooks in and out made safe (kuznia.io.safety): a zip bomb is refused by name before
openpyxl opens it, memory bounded; every written workbook shows formula-looking text as text."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from kuznia.cli.main import app
from kuznia.io.excel import write_tables_workbook
from kuznia.io.safety import (
    WorkbookLimits,
    WorkbookTooLarge,
    check_workbook,
    neutralise_formulas,
)
from kuznia.io.workbook import (
    WorkbookError,
    read_registry_workbook,
    write_registry_workbook,
)
from kuznia.synthetic import generate

FORMULA = '=HYPERLINK("http://evil.example/x","l0001")'
ROWS = 1_000_000


def bomb(path: Path, *, rows: int = ROWS) -> Path:
    """A real registry workbook whose Items sheet is replaced by `rows` rows of one string:
    tens of megabytes of XML that compress to little."""
    good = write_registry_workbook(generate("tiny", seed=1), path.with_name("good.xlsx"))
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        items = next(
            name
            for name in source.namelist()
            if name.startswith("xl/worksheets/sheet") and name.endswith(".xml")
        )
        for info in source.infolist():
            if info.filename != items:
                out.writestr(info, source.read(info))
                continue
            with out.open(items, "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                    b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                )
                row = b'<row><c t="inlineStr"><is><t>boom</t></is></c></row>'
                for _ in range(rows // 10_000):
                    sheet.write(row * 10_000)
                sheet.write(b"</sheetData></worksheet>")
    return path


class TestWorkbookLimits:
    def test_a_zip_bomb_is_refused_by_name_with_memory_bounded(self, tmp_path: Path) -> None:
        path = bomb(tmp_path / "bomb.xlsx")
        assert path.stat().st_size < 3_000_000  # ~53 MB of XML inside

        tracemalloc.start()
        with pytest.raises(WorkbookError) as raised:
            read_registry_workbook(path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        (problem,) = raised.value.problems
        assert "more than the 20971520 allowed (KUZNIA_IMPORT_MAX_PART_BYTES)" in str(problem)
        assert "xl/worksheets/sheet" in str(problem)
        assert peak < 20_000_000

    def test_rows_are_counted_as_the_sheet_streams(self, tmp_path: Path) -> None:
        path = bomb(tmp_path / "rows.xlsx", rows=200_000)
        limits = WorkbookLimits(total_bytes=10**9, part_bytes=10**9, parts=1000, rows=100_000)

        with pytest.raises(WorkbookTooLarge) as raised:
            check_workbook(path, limits=limits)

        assert str(raised.value).endswith(
            "has more than the 100000 rows allowed (KUZNIA_IMPORT_MAX_ROWS)"
        )

    def test_too_many_parts_and_too_many_bytes_are_named(self, tmp_path: Path) -> None:
        path = write_registry_workbook(generate("tiny", seed=1), tmp_path / "tiny.xlsx")

        with pytest.raises(WorkbookTooLarge, match=r"KUZNIA_IMPORT_MAX_PARTS"):
            check_workbook(path, limits=WorkbookLimits(10**9, 10**9, 3, 10**6))
        with pytest.raises(WorkbookTooLarge, match=r"KUZNIA_IMPORT_MAX_BYTES"):
            check_workbook(path, limits=WorkbookLimits(1000, 10**9, 1000, 10**6))

    def test_a_national_workbook_passes_the_default_limits(self, tmp_path: Path) -> None:
        path = write_registry_workbook(generate("national", seed=1), tmp_path / "national.xlsx")

        check_workbook(path, limits=WorkbookLimits.from_settings())

    def test_the_cli_exits_2_naming_the_limit(self, tmp_path: Path) -> None:
        path = bomb(tmp_path / "bomb.xlsx")
        runner = CliRunner(env={"KUZNIA_DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}"})

        result = runner.invoke(app, ["import", str(path)])

        assert result.exit_code == 2, result.output
        assert "KUZNIA_IMPORT_MAX_PART_BYTES" in result.output
        assert "MemoryError" not in result.output


class TestFormulaNeutralisation:
    def test_a_formula_in_a_name_is_written_as_text_in_the_registry_workbook(
        self, tmp_path: Path
    ) -> None:
        instance = generate("tiny", seed=1)
        producer = instance.producers[0].model_copy(update={"name": FORMULA})
        instance = instance.model_copy(update={"producers": [producer, *instance.producers[1:]]})

        path = write_registry_workbook(instance, tmp_path / "registry.xlsx")

        book = openpyxl.load_workbook(path)
        (cell,) = [c for row in book["Producers"].iter_rows() for c in row if c.value == FORMULA]
        assert (cell.data_type, cell.quotePrefix) == ("s", True)
        assert read_registry_workbook(path).producers[0].name == FORMULA

    # (A leading carriage return is neutralised too, but XML reads it back as a line feed.)
    @pytest.mark.parametrize("text", [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\tx"])
    def test_formula_looking_text_is_text_in_a_tables_workbook(
        self, tmp_path: Path, text: str
    ) -> None:
        frame = pd.DataFrame({"line": [text], "quantity": [-5], "value": [1.5]})

        write_tables_workbook({"Deliveries": frame}, {}, tmp_path / "plan.xlsx")

        sheet = openpyxl.load_workbook(tmp_path / "plan.xlsx")["Deliveries"]
        line, quantity, value = sheet[2]
        assert (line.value, line.data_type, line.quotePrefix) == (text, "s", True)
        assert (quantity.value, quantity.data_type, quantity.quotePrefix) == (-5, "n", False)
        assert (value.value, value.data_type) == (1.5, "n")

    def test_plain_text_is_left_alone(self) -> None:
        book = openpyxl.Workbook()
        book.active.append(["l0001", "Line one", 3])

        assert neutralise_formulas(book) == 0
        assert book.active["A1"].quotePrefix is False
