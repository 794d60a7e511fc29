"""The money curve's workbook: the steps with each tier side by side, one row per step and
tier, what was asked; text that looks like a formula is text."""

from __future__ import annotations

import io

import openpyxl

from kuznia.io.curve_workbook import CurveWords, write_curve_workbook
from kuznia.planning.curves import money_curve
from kuznia.planning.jsonable import plain
from tests.planning.builders import build, instance_dict, need


def _curve(fund: str = "state") -> dict:
    # two tiers of 20, price 1, budget 10: 10 more closes tier 1, 20 more tier 2 too
    doc = instance_dict(months=1, capacity=100, price=1.0, budget=10)
    doc["needs"] = [need("a", 0, 20, priority=1), need("a", 0, 20, priority=2)]
    table = money_curve(build(doc), fund="state", year=2026, maximum=30, steps=3)
    rows = [{k: plain(v) for k, v in row.items()} for row in table.to_dict("records")]
    return {"run": 7, "fund": fund, "year": 2026, "currency": "EUR", "rows": rows}


def _book(curve: dict, words: CurveWords | None = None) -> openpyxl.Workbook:
    out = io.BytesIO()
    write_curve_workbook(curve, out, words=words)
    out.seek(0)
    return openpyxl.load_workbook(out)


def test_a_row_per_step_with_each_tier_side_by_side() -> None:
    book = _book(_curve())

    assert book.sheetnames == ["Steps", "By tier", "Read me"]
    header, *rows = [[c.value for c in row] for row in book["Steps"].iter_rows()]
    assert header == [
        "Step",
        "Extra money (EUR)",
        "Cost (EUR)",
        "Tier 1: weighted unit-months short",
        "Tier 1: unit-months short",
        "Tier 1: unit-months closed",
        "Tier 2: weighted unit-months short",
        "Tier 2: unit-months short",
        "Tier 2: unit-months closed",
    ]
    # unit-months short, tier 1 then 2: (10, 20), (0, 20), (0, 10), (0, 0); spent 10..40
    short = [(r[0], r[1], r[2], r[4], r[7]) for r in rows]
    assert short == [(0, 0, 10, 10, 20), (1, 10, 20, 0, 20), (2, 20, 30, 0, 10), (3, 30, 40, 0, 0)]
    assert [r[5] for r in rows] == [0, 10, 10, 10]
    assert book["Steps"]["B2"].number_format == "#,##0.00"


def test_one_row_per_step_and_tier_and_what_was_asked() -> None:
    curve = _curve()
    book = _book(curve)

    header, *rows = [[c.value for c in row] for row in book["By tier"].iter_rows()]
    assert header[:3] == ["Step", "Extra money (EUR)", "Priority"]
    assert len(rows) == len(curve["rows"]) == 8
    assert [(r[0], r[2], r[4]) for r in rows[:2]] == [(0, 1, 10), (0, 2, 20)]
    about = {r[0].value: r[1].value for r in book["Read me"].iter_rows(min_row=2) if r[0].value}
    assert about == {"Plan run": 7, "Fund": "state", "Year": 2026, "Currency": "EUR"}


def test_the_headers_are_in_the_words_given() -> None:
    words = CurveWords(steps_sheet="Кроки: усі/тут", extra="Додатково ({currency})")

    book = _book(_curve(), words)

    assert book.sheetnames[0] == "Кроки  усі тут"
    assert book.worksheets[0]["B1"].value == "Додатково (EUR)"


def test_a_fund_code_that_looks_like_a_formula_is_text() -> None:
    book = _book(_curve(fund='=HYPERLINK("http://x","y")'))

    (cell,) = [
        c for row in book["Read me"].iter_rows() for c in row if str(c.value).startswith("=")
    ]
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
