"""Rows inserted without the unit of work are recorded as it would record them
(`kuznia.audit.capture.created`): every column after, the id among them; a row that leaves a
column to a default is refused, since its event would not show what was stored."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kuznia.audit.capture import created
from kuznia.models import Dispatch

ROW = {
    "client_key": "k-1",
    "organisation_id": 3,
    "depot_id": 4,
    "created_by_id": 5,
    "created_at": datetime(2026, 12, 7, 20, 0, tzinfo=UTC),
    "day": date(2026, 12, 7),
    "reverses_id": None,
    "item": "art-1",
    "grouping": "g-1",
    "quantity": 12,
    "note": "",
}


def test_an_inserted_row_is_recorded_with_every_column_and_its_id() -> None:
    (change,) = created(Dispatch, [ROW, {**ROW, "client_key": "k-2"}], {0: 41})
    assert (change.action, change.entity, change.entity_id, change.before) == (
        "create",
        "dispatches",
        "41",
        None,
    )
    assert change.after == {"id": 41, **ROW}


def test_a_row_that_leaves_a_column_to_a_default_is_refused() -> None:
    row = {name: value for name, value in ROW.items() if name != "note"}
    with pytest.raises(ValueError, match=r"dispatches row .* lacks note"):
        created(Dispatch, [row], {0: 41})
