"""The documents a newcomer reads: the design and instance contract in docs/ are the ones in
../shared (when it is beside the checkout), and every decision record is indexed with a status
and a date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DECISIONS = ROOT / "docs" / "decisions"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not beside the checkout")
@pytest.mark.parametrize(
    ("ours", "theirs"), [("design.md", "DESIGN.md"), ("instance.md", "INSTANCE.md")]
)
def test_the_design_documents_are_in_step_with_shared(ours: str, theirs: str) -> None:
    assert (ROOT / "docs" / ours).read_text(encoding="utf-8") == (SHARED / theirs).read_text(
        encoding="utf-8"
    ), f"docs/{ours} differs from ../shared/{theirs}: copy it again"


def test_every_decision_has_a_status_a_date_and_a_row_in_the_index() -> None:
    index = (DECISIONS / "README.md").read_text(encoding="utf-8")
    records = sorted(DECISIONS.glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert len(records) >= 8
    for record in records:
        head = record.read_text(encoding="utf-8").splitlines()[:6]
        status = [line for line in head if line.startswith("Status: ")]
        date = [line for line in head if re.fullmatch(r"Date: \d{4}-\d{2}-\d{2}", line)]
        assert status, f"{record.name}: needs 'Status: ...'"
        assert date, f"{record.name}: needs 'Date: YYYY-MM-DD'"
        assert f"]({record.name})" in index, f"{record.name} is not in docs/decisions/README.md"
