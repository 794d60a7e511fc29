"""Plain builders of small instances for planning tests: one item, one line, one fund by default."""

from __future__ import annotations

import copy
from typing import Any

from kuznia.instance import Instance, parse_instance


def instance_dict(
    *,
    months: int = 3,
    capacity: Any = 10,
    price: Any = 1.0,
    lead_time: int = 0,
    budget: float = 1e9,
) -> dict[str, Any]:
    """One item "a" (category "shells"), producer "p" (state, region "r1"), line "l1",
    grouping "g", fund "state" paying everything; no needs yet."""
    return {
        "format": "kuznia-instance/1",
        "name": "test",
        "start": "2026-01",
        "months": months,
        "items": [{"id": "a", "name": "A", "category": "shells", "unit": "pcs"}],
        "producers": [{"id": "p", "name": "P", "ownership": "state", "region": "r1"}],
        "lines": [
            {
                "id": "l1",
                "producer": "p",
                "item": "a",
                "capacity": capacity,
                "price": price,
                "lead_time": lead_time,
            }
        ],
        "groupings": [{"id": "g", "name": "G"}],
        "needs": [],
        "funds": [{"id": "state", "name": "State", "kind": "state", "budget": {"2026": budget}}],
    }


def need(
    item: str,
    month: int,
    quantity: float,
    *,
    operation: str = "defensive",
    priority: int = 1,
    grouping: str = "g",
) -> dict[str, Any]:
    return {
        "item": item,
        "grouping": grouping,
        "month": month,
        "quantity": quantity,
        "operation": operation,
        "priority": priority,
    }


def with_(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of `document` with top-level fields replaced."""
    copied = copy.deepcopy(document)
    copied.update(changes)
    return copied


def build(document: dict[str, Any]) -> Instance:
    return parse_instance(document)
