"""`kuznia targets add|list|remove` and `kuznia report targets` on the ledger of conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from typer.testing import CliRunner

from kuznia.cli.main import app as kuznia


def run(engine: Engine, *args: str) -> tuple[int, str]:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner(env={"KUZNIA_DATABASE_URL": url, "COLUMNS": "150"}).invoke(
        kuznia, list(args)
    )
    return result.exit_code, result.output


def test_add_list_report_and_remove(ledger: Engine, tmp_path: Path) -> None:
    added = run(ledger, "targets", "add", "--category", "artillery_ammunition",
                "--period", "2026-03", "--multiple", "3", "--base-month", "2026-01")  # fmt: skip
    # ids go on counting from test to test on PostgreSQL
    target_id = added[1].split(":")[0].removeprefix("Target ")
    assert added == (0, f"Target {target_id}: artillery_ammunition x3 of 2026-01 in 2026-03\n")

    code, listed = run(ledger, "targets", "list")
    assert code == 0
    assert f"│ {target_id:<2} │ artillery_ammunition x3 of 2026-01 in 2026-03 │" in listed

    workbook = tmp_path / "targets.xlsx"
    code, report = run(ledger, "report", "targets", "--as-of", "2026-03-10", "--excel",
                       str(workbook))  # fmt: skip
    assert code == 0, report
    assert (
        f"{target_id}. artillery_ammunition x3 of 2026-01 in 2026-03: off track: execution short of plan: "
        "270 accepted of 440 due to date (short 170)"
    ) in report
    assert "│ 2026-01 │        │  100 │     90 │  x1.00 │" in report
    assert "│ 2026-03 │    270 │  310 │     50 │  x0.56 │" in report
    assert "1 targets: 1 off track." in report
    months = load_workbook(workbook)["Months"]
    assert [[cell.value for cell in row] for row in months.iter_rows(min_row=2)] == [
        [int(target_id), "artillery_ammunition", None, "2026-01", None, 100, 90, 1],
        [
            int(target_id),
            "artillery_ammunition",
            None,
            "2026-02",
            None,
            240,
            130,
            pytest.approx(130 / 90),
        ],
        [
            int(target_id),
            "artillery_ammunition",
            None,
            "2026-03",
            270,
            310,
            50,
            pytest.approx(50 / 90),
        ],
    ]

    assert run(ledger, "targets", "remove", target_id) == (0, f"Removed target {target_id}.\n")
    assert run(ledger, "targets", "list") == (0, "No targets.\n")


def test_bad_fields_are_each_named_and_nothing_is_recorded(ledger: Engine) -> None:
    code, output = run(ledger, "targets", "add", "--category", "tanks", "--period", "2026-13",
                       "--quantity", "10")  # fmt: skip

    assert code == 2
    assert 'category: unknown category "tanks"' in output
    assert (
        'period: a period is a month (YYYY-MM) or a quarter (YYYY-Qn) of 1900-2199, got "2026-13"'
        in output
    )
    assert run(ledger, "targets", "list") == (0, "No targets.\n")


def test_removing_a_missing_target_says_so(ledger: Engine) -> None:
    assert run(ledger, "targets", "remove", "2147483") == (
        2,
        "Not found: target 2147483 not found\n",
    )
