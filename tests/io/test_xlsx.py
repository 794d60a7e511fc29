"""The streaming table writer: what openpyxl reads back is what was written, typed and formatted
as the plan workbook always was."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from kuznia.io.excel import write_tables_workbook
from kuznia.io.xlsx import Table, column_letter, write_xlsx


def test_values_read_back_with_their_types(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "item": ["a<&>b", "", None],
            "month": [0, 35, 2],
            "quantity": [1.5, 100.0, math.nan],
            "coverage": [0.25, 1.0, 0.0],
            "flag": [True, False, True],
            "day": [date(2026, 3, 1), date(2027, 1, 31), None],
            "big": [np.int64(7), np.float64(2.5), np.float64(math.inf)],
        }
    )
    path = tmp_path / "t.xlsx"
    write_tables_workbook({"Deliveries": frame}, {"Deliveries": "what"}, path)

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Read me", "Deliveries"]
    assert [c.value for c in book["Read me"][2]] == ["Deliveries", "what"]
    sheet = book["Deliveries"]
    assert [c.value for c in sheet[1]] == [
        "Item",
        "Month",
        "Quantity",
        "Coverage",
        "Flag",
        "Day",
        "Big",
    ]
    first, second, third = (next(iter(sheet.iter_rows(min_row=r, max_row=r))) for r in (2, 3, 4))
    assert [c.value for c in first[:5]] == ["a<&>b", 0, 1.5, 0.25, True]
    assert first[5].value.date() == date(2026, 3, 1)
    assert (first[6].value, second[6].value, third[6].value) == (7, 2.5, None)
    assert (second[0].value, second[2].value, third[0].value, third[2].value) == (
        None,
        100,
        None,
        None,
    )
    # months plain, amounts with thousands, shares as percent
    assert (first[1].number_format, first[2].number_format, first[3].number_format) == (
        "0",
        "#,##0.00",
        "0.0%",
    )
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G4"
    header = sheet["A1"]
    assert header.font.b
    assert header.fill.fgColor.rgb == "FF1F3A5F"


def test_column_widths_follow_the_longest_of_the_first_rows(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    write_xlsx([Table("S", ["a", "b"], [["x" * 30, "y"], [1.0, 2.0]])], path)

    sheet = openpyxl.load_workbook(path)["S"]
    assert sheet.column_dimensions["A"].width == 32
    assert sheet.column_dimensions["B"].width == 8


def test_an_empty_table_keeps_its_header_and_no_filter(tmp_path: Path) -> None:
    path = tmp_path / "e.xlsx"
    write_xlsx([Table("Empty", ["only"], [[]]), Table("Nothing", [], [])], path)

    book = openpyxl.load_workbook(path)
    assert [c.value for c in book["Empty"][1]] == ["only"]
    assert book["Empty"].auto_filter.ref is None
    assert book["Nothing"].max_row == 1
    assert book["Nothing"]["A1"].value is None


def test_column_letters() -> None:
    assert [column_letter(k) for k in (0, 25, 26, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip


def test_a_header_s_text_in_a_row_is_a_plain_cell(tmp_path: Path) -> None:
    path = tmp_path / "h.xlsx"
    write_xlsx([Table("S", ["Month", "=x"], [["Month", "=x"], ["=x", "Month"]])], path)

    sheet = openpyxl.load_workbook(path)["S"]
    assert sheet["A1"].font.b
    assert not sheet["A2"].font.b
    assert (sheet["B2"].value, sheet["B2"].quotePrefix, sheet["B1"].quotePrefix) == (
        "=x",
        True,
        False,
    )
    assert (sheet["A3"].value, sheet["A3"].quotePrefix, sheet["B3"].font.b) == ("=x", True, False)
