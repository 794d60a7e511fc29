"""Instances for the database tests, written as JSON text so every number's form is explicit."""

from __future__ import annotations

import json
from typing import Any

from kuznia.instance import Instance, dump_instance, parse_instance

# An instance that uses every way the format lets a value be written: numbers as ints and as
# floats (3.0 too), per-month lists (mixed ints and floats) and scalars, fields left out and
# fields given their default value explicitly, sections left out and sections given empty,
# partial nested objects, budget years out of order.
VARIED = """
{
  "start": "2026-11",
  "months": 3,
  "operation_weights": {"offensive": 2.5, "defensive": 3},
  "items": [
    {"id": "art-155", "name": "155 mm round", "category": "artillery_ammunition"},
    {"id": "fpv", "name": "FPV drone", "category": "drones", "unit": "pcs"}
  ],
  "producers": [
    {"id": "p1", "name": "Zavod", "ownership": "state", "region": "r-1"},
    {"id": "p2", "name": "JV", "ownership": "joint_venture", "region": "r-2",
     "partners": [{"country": "DK", "share": 0.3}, {"country": "SE", "share": 0.2}]},
    {"id": "p3", "name": "Solo JV", "ownership": "joint_venture", "region": "r-2",
     "partners": [{"country": "CA", "share": 1}]},
    {"id": "p4", "name": "Private", "ownership": "private", "region": "r-1", "partners": []}
  ],
  "lines": [
    {"id": "l1", "producer": "p1", "item": "art-155", "capacity": [100, 250.5, 300.0],
     "price": 3100.0},
    {"id": "l2", "producer": "p2", "item": "fpv", "capacity": 2000, "price": [400, 380, 360],
     "lead_time": 0, "min_rate": 50},
    {"id": "l3", "producer": "p3", "item": "fpv", "capacity": 3.0, "price": 410,
     "lead_time": 1, "min_rate": 0.0},
    {"id": "l4", "producer": "p4", "item": "art-155", "capacity": 0, "price": 0.1,
     "min_rate": 12.75}
  ],
  "expansions": [
    {"id": "e1", "line": "l1", "added_capacity": 400, "capex": 12000000},
    {"id": "e2", "line": "l2", "start": 1, "delay": 0, "added_capacity": 1.5e3,
     "capex": 2.5e6}
  ],
  "groupings": [{"id": "g-east", "name": "East"}, {"id": "g-south"}],
  "needs": [
    {"item": "art-155", "grouping": "g-east", "month": 0, "quantity": 900,
     "operation": "defensive", "priority": 1},
    {"item": "art-155", "grouping": "g-south", "month": 2, "quantity": 120.5,
     "operation": "offensive"},
    {"item": "fpv", "grouping": "g-east", "month": 1, "quantity": 0.0,
     "operation": "stabilization", "priority": 3}
  ],
  "funds": [
    {"id": "state", "name": "State budget", "kind": "state",
     "budget": {"2027": 5000000000, "2026": 1.25e9}},
    {"id": "dk", "kind": "partner", "budget": {"2026": 300000000.0},
     "eligible": {"ownership": ["joint_venture", "private"], "producers": ["p2", "p4"]},
     "expansions": false},
    {"id": "eu", "name": "EU", "kind": "eu",
     "eligible": {"categories": ["artillery_ammunition"], "ownership": [], "producers": [],
                  "regions": ["r-1"]},
     "expansions": true},
    {"id": "jv-own"}
  ],
  "foreign_supply": [
    {"item": "art-155", "month": 1, "quantity": 5000},
    {"item": "fpv", "month": 2, "quantity": 12.5}
  ],
  "stock": [{"item": "art-155", "quantity": 0}, {"item": "fpv", "quantity": 7.0}]
}
"""

# The least the format accepts: everything optional left out.
MINIMAL = '{"start": "2026-01", "months": 1}'


def varied() -> Instance:
    """The instance in VARIED."""
    return parse_instance(VARIED)


def as_json(instance: Instance) -> str:
    """The JSON text `write_instance` would write for `instance` (one line)."""
    return json.dumps(dump_instance(instance), ensure_ascii=False, allow_nan=False)


def document(instance: Instance) -> dict[str, Any]:
    """The JSON document of `instance`, as parsed JSON."""
    parsed: dict[str, Any] = json.loads(as_json(instance))
    return parsed
