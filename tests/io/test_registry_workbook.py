"""The registry workbook: written from an instance, filled in by people, read back all or
nothing, with every bad cell named by its sheet, row and column."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from kuznia.instance import Instance, dump_instance
from kuznia.io.workbook import (
    DECIMAL_FORMAT,
    SHEET_ORDER,
    WorkbookError,
    read_registry,
    read_registry_workbook,
    write_registry_workbook,
)
from kuznia.synthetic import generate, supplier_countries
from tests.db.builders import varied

DATA_SHEETS = [title for title in SHEET_ORDER if title != "Notes"]


def as_json(instance: Instance) -> str:
    """The instance file's text: equal texts are the same instance, ints and floats included."""
    return json.dumps(dump_instance(instance), ensure_ascii=False)


@pytest.fixture(scope="module")
def tiny_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny instance's workbook (see test_the_tiny_workbook_holds_the_rows_the_tests_edit)."""
    path = tmp_path_factory.mktemp("tiny") / "tiny.xlsx"
    write_registry_workbook(generate("tiny", seed=7), path)
    return path


@pytest.fixture
def edit(tiny_workbook: Path, tmp_path: Path) -> Callable[[Callable[[Workbook], None]], Path]:
    """A copy of the tiny workbook changed by a function, as a person would change it."""

    def edited(change: Callable[[Workbook], None]) -> Path:
        book = openpyxl.load_workbook(tiny_workbook)
        change(book)
        path = tmp_path / "edited.xlsx"
        book.save(path)
        return path

    return edited


def problems_of(path: Path) -> list[str]:
    with pytest.raises(WorkbookError) as raised:
        read_registry_workbook(path)
    return [str(problem) for problem in raised.value.problems]


def cells(**values: Any) -> Callable[[Workbook], None]:
    """A change setting cells: cells(Lines={"D3": "lots"})."""

    def change(book: Workbook) -> None:
        for title, by_cell in values.items():
            for cell, value in by_cell.items():
                book[title.replace("_", " ")][cell] = value

    return change


class TestRoundTrip:
    @pytest.mark.parametrize("size", ["tiny", "small"])
    def test_a_synthetic_instance_comes_back_exactly(self, size: str, tmp_path: Path) -> None:
        instance = generate(size, seed=7)
        path = tmp_path / f"{size}.xlsx"

        write_registry_workbook(instance, path)

        assert as_json(read_registry_workbook(path)) == as_json(instance)

    def test_employees_and_export_orders_come_back_exactly(self, tmp_path: Path) -> None:
        instance = generate("small", seed=7)
        path = tmp_path / "small.xlsx"

        write_registry_workbook(instance, path)
        back = read_registry_workbook(path)

        assert [o.model_dump() for o in back.export_orders] == [
            o.model_dump() for o in instance.export_orders
        ]
        assert len(back.export_orders) == 2
        assert [p.employees for p in back.producers] == [p.employees for p in instance.producers]
        book = openpyxl.load_workbook(path)
        assert [cell.value for cell in book["Export orders"][1]] == [
            "id", "item", "month", "quantity", "price", "buyer",
        ]  # fmt: skip
        assert [cell.value for cell in book["Producers"][1]][-1] == "employees"

    def test_a_workbook_from_before_employees_and_export_orders_still_reads(
        self, tmp_path: Path
    ) -> None:
        instance = generate("tiny", seed=7, economy=False)
        path = tmp_path / "old.xlsx"
        write_registry_workbook(instance, path)
        book = openpyxl.load_workbook(path)
        del book["Export orders"]
        book["Producers"].delete_cols(len(list(book["Producers"][1])))
        book.save(path)

        assert as_json(read_registry_workbook(path)) == as_json(instance)

    def test_supplier_countries_come_back_beside_the_instance(self, tmp_path: Path) -> None:
        instance = generate("small", seed=7)
        countries = supplier_countries(instance, seed=7)
        path = tmp_path / "small.xlsx"

        write_registry_workbook(instance, path, supplier_countries=countries)
        back = read_registry(path)

        assert as_json(back.instance) == as_json(instance)
        assert back.supplier_countries == countries
        assert len(set(countries)) > 1

    def test_a_workbook_from_before_supplier_countries_reads_them_as_not_known(
        self, tmp_path: Path
    ) -> None:
        instance = generate("tiny", seed=7)
        path = tmp_path / "old.xlsx"
        write_registry_workbook(instance, path)
        book = openpyxl.load_workbook(path)
        assert [cell.value for cell in book["Foreign supply"][1]][-1] == "supplier_country"
        book["Foreign supply"].delete_cols(4)
        book.save(path)

        back = read_registry(path)

        assert as_json(back.instance) == as_json(instance)
        assert back.supplier_countries == [None] * len(instance.foreign_supply)

    def test_ints_stay_ints_and_whole_floats_stay_floats(self, tmp_path: Path) -> None:
        path = tmp_path / "varied.xlsx"
        instance = varied()  # 3.0, 1.5e3, 5000000000 and per-month lists mixing ints and floats

        write_registry_workbook(instance, path)
        back = read_registry_workbook(path)

        assert back.lines[0].capacity == [100, 250.5, 300.0]
        assert [type(value) for value in back.lines[0].capacity] == [int, float, float]
        assert type(back.lines[2].capacity) is float
        assert back.funds[0].budget == {"2027": 5000000000, "2026": 1.25e9}
        assert [type(amount) for amount in back.funds[0].budget.values()] == [int, float]

    def test_a_hand_written_instance_comes_back_equal_in_meaning(self, tmp_path: Path) -> None:
        # VARIED leaves out sections, partners, eligibility lists and budgets: the workbook
        # always gives them, empty when empty, so only the defaults are filled in.
        path = tmp_path / "varied.xlsx"
        instance = varied()

        write_registry_workbook(instance, path)
        back = read_registry_workbook(path)

        def in_full(value: Instance) -> str:
            return json.dumps(value.model_dump(mode="json"))

        assert in_full(back) == in_full(instance)
        assert "commitments" not in dump_instance(instance)
        assert dump_instance(back)["commitments"] == []

    def test_blank_cells_are_fields_left_out(self, tmp_path: Path) -> None:
        path = tmp_path / "varied.xlsx"
        write_registry_workbook(varied(), path)

        back = dump_instance(read_registry_workbook(path))

        assert back["items"][0] == {
            "id": "art-155",
            "name": "155 mm round",
            "category": "artillery_ammunition",
        }
        assert back["funds"][3] == {
            "id": "jv-own",
            "budget": {},
            "eligible": {"categories": [], "ownership": [], "producers": [], "regions": []},
        }
        assert back["operation_weights"] == {"defensive": 3, "offensive": 2.5}

    def test_a_decimal_number_is_written_with_a_format_that_shows_decimals(
        self, tiny_workbook: Path
    ) -> None:
        # openpyxl stores 3080.0 as "3080"; the format keeps it a float when read back.
        book = openpyxl.load_workbook(tiny_workbook)

        price, lead_time = book["Lines"]["E3"], book["Lines"]["F3"]

        assert (price.value, price.number_format) == (3080, DECIMAL_FORMAT)
        assert (lead_time.value, lead_time.number_format) == (1, "General")

    def test_integer_fields_take_whole_decimals_as_saved_by_excel(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        def to_decimals(book: Workbook) -> None:
            book["Needs"]["C4"] = 1.0
            book["Needs"]["C4"].number_format = "0.00"

        back = read_registry_workbook(edit(to_decimals))

        assert (back.needs[2].month, type(back.needs[2].month)) == (1, int)

    def test_what_excel_makes_of_typed_months_is_read_as_the_month(
        self, edit: Callable[[Callable[[Workbook], None]], Path], tiny_workbook: Path
    ) -> None:
        # Typing 2026-01 into a cell formatted General gives the date 2026-01-01. Excel cells hold
        # naive datetimes (openpyxl refuses a timezone), hence DTZ001.
        change = cells(Settings={"B3": dt.datetime(2026, 1, 1)})  # noqa: DTZ001
        dates = {"B1": dt.datetime(2026, 1, 1), "C1": dt.datetime(2026, 2, 1)}  # noqa: DTZ001

        path = edit(lambda book: (change(book), cells(Capacity_by_month=dates)(book)))

        assert as_json(read_registry_workbook(path)) == as_json(
            read_registry_workbook(tiny_workbook)
        )

    def test_columns_may_be_moved_and_empty_rows_are_skipped(
        self, edit: Callable[[Callable[[Workbook], None]], Path], tiny_workbook: Path
    ) -> None:
        def rearrange(book: Workbook) -> None:
            needs = book["Needs"]
            needs.move_range("A1:A25", cols=6)  # item to column G
            needs.delete_cols(1)  # close the gap: item is now the last column
            needs.insert_rows(5, amount=3)  # three empty rows after the third need

        back = read_registry_workbook(edit(rearrange))

        assert back.needs == read_registry_workbook(tiny_workbook).needs

    def test_numbers_typed_as_text_are_read_as_numbers(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        back = read_registry_workbook(edit(cells(Needs={"D2": " 400 ", "D3": "12.5"})))

        assert (back.needs[0].quantity, back.needs[1].quantity) == (400, 12.5)

    def test_a_formula_with_its_computed_value_is_read_as_that_value(
        self, edit: Callable[[Callable[[Workbook], None]], Path], tmp_path: Path
    ) -> None:
        path = edit(cells(Needs={"D2": "=D3*2"}))
        # Excel and LibreOffice store the value they computed beside the formula.
        saved = with_computed_value(path, "Needs", "D2", "840", tmp_path / "saved.xlsx")

        assert read_registry_workbook(saved).needs[0].quantity == 840


class TestPerMonth:
    def test_a_value_that_changes_by_month_is_a_row_of_its_by_month_sheet(
        self, tiny_workbook: Path
    ) -> None:
        book = openpyxl.load_workbook(tiny_workbook)

        rows = {
            title: [list(row) for row in book[title].iter_rows(values_only=True)]
            for title in ("Capacity by month", "Price by month")
        }

        assert [book["Lines"]["D2"].value, book["Lines"]["E2"].value] == ["by month", "by month"]
        assert rows["Capacity by month"] == [
            ["line", "2026-01", "2026-02", "2026-03"],
            ["l001", 180, 420, 650],
        ]
        assert rows["Price by month"] == [
            ["line", "2026-01", "2026-02", "2026-03"],
            ["l001", 3420.0, 3370.0, 3330.0],
        ]

    def test_a_blank_lines_cell_is_read_like_by_month(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        back = read_registry_workbook(edit(cells(Lines={"D2": None})))

        assert back.lines[0].capacity == [180, 420, 650]

    def test_a_number_in_lines_and_a_by_month_row_is_refused(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        problems = problems_of(edit(cells(Lines={"D2": 500})))

        assert problems == [
            'Lines!D2 (capacity): given both here and in "Capacity by month" row 2: keep one '
            '(write "by month" here for a value that changes by month)'
        ]

    def test_by_month_without_a_row_and_a_blank_without_one_are_refused(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        path = edit(cells(Lines={"D3": "by month", "E4": None}))

        assert problems_of(path) == [
            'Lines!D3 (capacity): says "by month", but "Capacity by month" has no row for this '
            "line",
            'Lines!E4 (price): required: a number here, or a row for this line in "Price by month"',
        ]

    def test_every_month_needs_a_value_and_a_line_one_row(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        path = edit(
            cells(
                Capacity_by_month={"C2": None, "D2": "x", "A3": "l001", "B3": 1, "C3": 2, "D3": 3}
            )
        )

        assert problems_of(path) == [
            "'Capacity by month'!C2 (2026-02): every month needs a value; for a value that stays "
            "the same, delete this row and give the number in the Lines sheet",
            "'Capacity by month'!D2 (2026-03): must be a number >= 0, got \"x\"",
            "'Capacity by month'!A3 (line): line \"l001\" given twice, first in row 2",
        ]

    def test_the_month_columns_follow_start_and_months_in_settings(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        path = edit(cells(Settings={"B4": 4}, Price_by_month={"D1": "2027-03"}))

        assert problems_of(path) == [
            "'Capacity by month': month columns missing from row 1: \"2026-04\"; the plan runs "
            "2026-01 to 2026-04 (start and months in Settings), one column per month",
            '\'Price by month\': month columns missing from row 1: "2026-03", "2026-04"; the '
            "plan runs 2026-01 to 2026-04 (start and months in Settings), one column per month",
            "'Price by month'!D1 (2027-03): month 2027-03 is not in the plan (2026-01 to "
            "2026-04, from start and months in Settings)",
        ]


class TestBadCells:
    def test_every_bad_cell_is_reported_at_once_in_workbook_order(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        path = edit(
            cells(
                # a naive datetime, as an Excel cell holds one (openpyxl refuses a timezone)
                Needs={
                    "C5": dt.datetime(2026, 3, 1),  # noqa: DTZ001
                    "C6": 2.5,
                    "E8": "attack",
                    "F10": 0,
                },
                Lines={"D3": "lots", "F4": -1},
                Items={"D2": True},
                Producers={"C3": "public"},
                JV_partners={"C2": 1.5},
                Funds={"H2": "maybe", "E3": "private, stat", "C3": 7},
                Fund_budgets={"C2": "much"},
                Settings={"B4": 0},
            )
        )

        assert problems_of(path) == [
            "Settings!B4 (months): must be a whole number >= 1, got 0",
            "Items!D2 (unit): must be text, got TRUE",
            'Producers!C3 (ownership): must be one of "state", "private", "joint_venture", '
            'got "public"',
            "'JV partners'!C2 (share): must be a number > 0 and <= 1, got 1.5",
            'Lines!D3 (capacity): must be a number >= 0, got "lots"',
            "Lines!F4 (lead_time): must be a whole number >= 0, got -1",
            "Needs!C5 (month): must be a whole number >= 0, got the date 2026-03-01 (Excel took "
            "what was typed for a date: format the cell as Number and type again)",
            "Needs!C6 (month): must be a whole number >= 0, got 2.5",
            'Needs!E8 (operation): must be one of "defensive", "offensive", "stabilization", '
            'got "attack"',
            "Needs!F10 (priority): must be a whole number >= 1, got 0",
            'Funds!H2 (expansions): must be "yes" or "no", got "maybe"',
            'Funds!C3 (kind): must be one of "state", "partner", "eu", "jv", got 7',
            'Funds!E3 (eligible_ownership): must list values among "state", "private", '
            '"joint_venture", got "stat"',
            "'Fund budgets'!C2 (amount): must be a number >= 0, got \"much\"",
        ]

    def test_a_supplier_country_is_two_letters_and_read_in_capitals(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        lower = read_registry(edit(cells(Foreign_supply={"D2": " pl "})))
        wrong = edit(cells(Foreign_supply={"D2": "Poland"}))

        assert lower.supplier_countries[0] == "PL"
        assert problems_of(wrong) == [
            "'Foreign supply'!D2 (supplier_country): must be a country's two letters such as "
            'PL, got "Poland"'
        ]

    def test_a_required_cell_left_blank_is_named(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        path = edit(cells(Items={"B3": None}, Needs={"E2": "  "}, JV_partners={"B2": None}))

        assert problems_of(path) == [
            "Items!B3 (name): required, but the cell is empty",
            "'JV partners'!B2 (country): required, but the cell is empty",
            "Needs!E2 (operation): required, but the cell is empty",
        ]

    def test_a_formula_without_a_computed_value_is_named(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        # openpyxl, like any program that is not a spreadsheet, stores no computed value.
        problems = problems_of(edit(cells(Needs={"D3": "=D2*2"})))

        assert problems == [
            "Needs!D3 (quantity): a formula with no computed value: open and save the workbook "
            "in Excel or LibreOffice, or type the value"
        ]

    def test_an_excel_error_is_named(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        def divide_by_zero(book: Workbook) -> None:
            book["Stock"]["B2"] = "#DIV/0!"
            book["Stock"]["B2"].data_type = "e"

        assert problems_of(edit(divide_by_zero)) == [
            "Stock!B2 (quantity): holds the Excel error #DIV/0!"
        ]

    def test_unknown_settings_and_settings_given_twice_are_named(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        def change(book: Workbook) -> None:
            book["Settings"].append(["horizon", 12])
            book["Settings"].append(["name", "again"])
            book["Settings"].append([None, "orphan"])

        problems = problems_of(edit(change))

        assert problems == [
            'Settings!A9 (setting): unknown setting "horizon"; the settings are "name", '
            '"start", "months", "currency", "operation_weights.defensive", '
            '"operation_weights.offensive", "operation_weights.stabilization"',
            'Settings!A10 (setting): setting "name" given twice, first in row 2',
            "Settings!A11 (setting): a value with no setting name",
        ]


class TestSheetsAndColumns:
    def test_a_missing_sheet_is_named_with_the_sheets_found_instead(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        def rename(book: Workbook) -> None:
            book["Stock"].title = "Stocks"

        assert problems_of(edit(rename)) == ['Stock: sheet is missing (the workbook has "Stocks")']

    def test_a_missing_sheet_of_records_does_not_make_every_reference_unknown(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        def remove(book: Workbook) -> None:
            del book["Items"]

        assert problems_of(edit(remove)) == ["Items: sheet is missing"]

    def test_renamed_extra_and_repeated_columns_are_named(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        path = edit(cells(Lines={"D1": "capacity per month", "H1": "colour", "I1": "item"}))

        assert problems_of(path) == [
            'Lines: column "capacity" is missing from row 1',
            'Lines!D1 (capacity per month): unknown column; the columns of Lines are "id", '
            '"producer", "item", "capacity", "price", "lead_time", "min_rate"',
            'Lines!H1 (colour): unknown column; the columns of Lines are "id", "producer", '
            '"item", "capacity", "price", "lead_time", "min_rate"',
            "Lines!I1 (item): column given twice, first in C1",
        ]

    def test_a_value_in_a_column_without_a_name_is_named(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        path = edit(cells(Groupings={"D3": "note to self", "D4": "and another"}))

        assert problems_of(path) == [
            "Groupings!D3: a value in column D, which has no name in row 1"
        ]

    def test_a_sheet_without_its_header_row_is_named(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        def remove_header(book: Workbook) -> None:
            book["Commitments"].delete_rows(1)

        assert problems_of(edit(remove_header)) == [
            'Commitments: row 1 must hold the column names: "line", "month", "quantity"'
        ]

    def test_a_file_that_is_not_a_workbook_is_named(self, tmp_path: Path) -> None:
        text = tmp_path / "registry.xlsx"
        text.write_text("id,name\n")

        assert problems_of(text) == [
            "not an Excel workbook (.xlsx) that can be read: File is not a zip file"
        ]
        assert problems_of(tmp_path / "nowhere.xlsx") == ["no such file"]


class TestCrossRecordProblems:
    def test_problems_between_records_are_placed_on_their_cells(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        path = edit(
            cells(
                Lines={"C3": "art-999", "A4": "l002"},
                Needs={"C7": 3, "B9": "g-09"},
                Funds={"D3": "unicorns, fpv_drones"},
                Fund_budgets={"B2": 26},
                JV_partners={"A3": "p002", "B3": "DK", "C3": 0.1},
                Stock={"A3": "art-155-he", "B3": 5},
                Commitments={"A2": "l404"},
            )
        )

        assert problems_of(path) == [
            '\'JV partners\'!A3 (producer): producer "p002" is "state"; only a '
            "joint_venture has partners",
            'Lines!C3 (item): unknown item "art-999"',
            'Lines!A4 (id): duplicate line id "l002", first in Lines!A3',
            "Needs!C7 (month): month 3 is outside the horizon 0..2",
            'Needs!B9 (grouping): unknown grouping "g-09"',
            'Funds!D3 (eligible_categories): unknown category "unicorns"',
            "'Fund budgets'!B2 (year): \"26\" is not a 4-digit year",
            'Stock!A3 (item): stock of item "art-155-he" listed twice, first in Stock!A2',
            'Commitments!A2 (line): unknown line "l404"',
        ]

    def test_references_from_the_added_sheets_are_checked_too(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        path = edit(
            cells(
                JV_partners={"A2": "p999"},
                Fund_budgets={"A3": "no-fund"},
                Price_by_month={"A2": "l999"},
            )
        )

        assert problems_of(path) == [
            "'JV partners'!A2 (producer): unknown producer \"p999\"",
            'Lines!E2 (price): says "by month", but "Price by month" has no row for this line',
            "'Price by month'!A2 (line): unknown line \"l999\"",
            "'Fund budgets'!A3 (fund): unknown fund \"no-fund\"",
        ]

    def test_partner_shares_above_one_are_placed_on_the_producers_first_partner(
        self, edit: Callable[[Callable[[Workbook], None]], Path]
    ) -> None:
        path = edit(cells(JV_partners={"A3": "p001", "B3": "DK", "C3": 0.7}))

        assert problems_of(path) == [
            "'JV partners'!A2 (producer): partner shares sum to 1.078, more than 1"
        ]


class TestTemplate:
    def test_the_empty_template_has_headers_and_no_records(self, tmp_path: Path) -> None:
        path = tmp_path / "template.xlsx"

        write_registry_workbook(None, path, start_hint="2027-07", months_hint=8)
        book = openpyxl.load_workbook(path)

        assert book.sheetnames == list(SHEET_ORDER)
        assert [cell.value for cell in book["Needs"][1]] == [
            "item",
            "grouping",
            "month",
            "quantity",
            "operation",
            "priority",
        ]
        assert all(book[title].max_row == 1 for title in DATA_SHEETS if title != "Settings")
        assert [row for row in book["Settings"].iter_rows(values_only=True)] == [
            ("setting", "value"),
            ("name", None),
            ("start", "2027-07"),
            ("months", 8),
            ("currency", None),
            ("operation_weights.defensive", None),
            ("operation_weights.offensive", None),
            ("operation_weights.stabilization", None),
        ]
        assert [cell.value for cell in book["Price by month"][1]][-1] == "2028-02"

    def test_the_empty_template_reads_back_as_an_instance_without_records(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "template.xlsx"
        write_registry_workbook(None, path)

        back = read_registry_workbook(path)

        assert dump_instance(back) == {
            "format": "kuznia-instance/1",
            "start": "2026-01",
            "months": 12,
            **{section: [] for section in SECTIONS},
        }

    def test_notes_explain_every_column_of_every_sheet(self, tmp_path: Path) -> None:
        path = tmp_path / "small.xlsx"
        write_registry_workbook(generate("small", seed=7), path)
        book = openpyxl.load_workbook(path)

        notes = list(book["Notes"].iter_rows(min_row=2, values_only=True))
        explained = {
            (sheet, column): (meaning, required, example)
            for sheet, column, meaning, _, required, example in notes
        }
        settings = [row[0] for row in book["Settings"].iter_rows(min_row=2, values_only=True)]
        columns = [
            (title, "YYYY-MM" if re.fullmatch(r"\d{4}-\d{2}", str(cell.value)) else cell.value)
            for title in DATA_SHEETS
            for cell in book[title][1]
        ] + [("Settings", setting) for setting in settings]

        assert not [column for column in columns if column not in explained]
        assert all(
            meaning and required and example
            for meaning, required, example in (explained[column] for column in columns)
        )
        assert explained["Needs", "priority"] == (
            "Priority tier, 1 is the highest: no amount of a lower tier outweighs a unit of a "
            "higher one.",
            "1",
            "1",
        )
        assert explained["Lines", "capacity"][1] == 'required here or in "Capacity by month"'

    def test_closed_sets_have_drop_downs(self, tiny_workbook: Path) -> None:
        book = openpyxl.load_workbook(tiny_workbook)

        drop_downs = {
            (title, str(validation.sqref), validation.formula1)
            for title in DATA_SHEETS
            for validation in book[title].data_validations.dataValidation
        }

        assert drop_downs == {
            ("Producers", "C2:C1048576", '"state,private,joint_venture"'),
            ("Needs", "E2:E1048576", '"defensive,offensive,stabilization"'),
            ("Funds", "C2:C1048576", '"state,partner,eu,jv"'),
            ("Funds", "H2:H1048576", '"yes,no"'),
        }

    def test_the_header_row_stays_in_view_and_columns_fit(self, tiny_workbook: Path) -> None:
        book = openpyxl.load_workbook(tiny_workbook)

        assert {book[title].freeze_panes for title in DATA_SHEETS} == {"A2", "B2"}
        assert book["Capacity by month"].freeze_panes == "B2"  # the line stays in view too
        assert book["Items"].column_dimensions["B"].width == len("7-inch FPV strike drone") + 3


SECTIONS = (
    "items",
    "producers",
    "lines",
    "expansions",
    "groupings",
    "needs",
    "funds",
    "foreign_supply",
    "stock",
    "commitments",
    "export_orders",
)


def test_the_tiny_workbook_holds_the_rows_the_tests_edit(tiny_workbook: Path) -> None:
    book = openpyxl.load_workbook(tiny_workbook)

    assert [cell.value for cell in book["Lines"][3]] == [
        "l002",
        "p002",
        "art-155-he",
        1800,
        3080,
        1,
        0,
    ]
    assert [cell.value for cell in book["Needs"][4]] == [
        "art-155-he",
        "g-01",
        1,
        260,
        "defensive",
        1,
    ]
    assert [cell.value for cell in book["JV partners"][2]] == ["p001", "GB", 0.378]
    assert book["Stock"].max_row == 2
    assert book["Commitments"].max_row == 2


def with_computed_value(path: Path, title: str, cell: str, value: str, target: Path) -> Path:
    """A copy of the workbook with `value` stored as the computed value of the formula in
    `cell`, as a spreadsheet program saves it."""
    part = f"xl/worksheets/sheet{SHEET_ORDER.index(title) + 1}.xml"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == part:
                pattern = rf'(<c r="{cell}"[^>]*><f>[^<]*</f>)<v\s*/>'.encode()
                content, count = re.subn(pattern, rb"\1<v>" + value.encode() + b"</v>", content)
                assert count == 1
            copy.writestr(entry, content)
    return target
