"""Rules that relate one record of an instance to another (see shared/INSTANCE.md, "Bad input").

The rules read the plain JSON document, not the typed `Instance`, so they still run when the
structure is broken and a file with both kinds of problems reports both. Every rule is
defensive: a value of the wrong type is skipped here, because the structural check reports it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeGuard

from kuznia.instance.errors import ROOT, Problem, format_path
from kuznia.instance.schema import Instance
from kuznia.text import code_problem

Record = Mapping[str, Any]

# Sections whose records have an id, and what one record is called.
ID_SECTIONS = {
    "items": "item",
    "producers": "producer",
    "lines": "line",
    "expansions": "expansion",
    "groupings": "grouping",
    "funds": "fund",
}
# (section, field, section the field refers to by id)
REFERENCES = (
    ("lines", "producer", "producers"),
    ("lines", "item", "items"),
    ("expansions", "line", "lines"),
    ("needs", "item", "items"),
    ("needs", "grouping", "groupings"),
    ("foreign_supply", "item", "items"),
    ("stock", "item", "items"),
    ("commitments", "line", "lines"),
)
# (list in a fund's `eligible`, what its values are, the section and field that define them)
ELIGIBLE_REFERENCES = (
    ("categories", "category", "items", "category"),
    ("producers", "producer", "producers", "id"),
    ("regions", "region", "producers", "region"),
)
# (section, field) holding a month of the horizon, 0..months-1
MONTHS = (
    ("expansions", "start"),
    ("needs", "month"),
    ("foreign_supply", "month"),
    ("commitments", "month"),
)
# Fields of a line holding a number, or one number per month
PER_MONTH = ("capacity", "price")

_YEAR = re.compile(r"[0-9]{4}")
# Shares are decimal fractions such as 0.1 + 0.2; their float sum may pass 1 by rounding.
_SHARE_TOLERANCE = 1e-9


def find_problems(document: Mapping[str, Any]) -> list[Problem]:
    """Every cross-record problem in a JSON-like instance document, in document order."""
    months = document.get("months")
    horizon = months if _is_int(months) and months >= 1 else None
    problems = [
        *_ids_not_codes(document),
        *_duplicate_ids(document),
        *_unknown_references(document),
        *_unknown_eligibility(document),
        *_months_outside_horizon(document, horizon),
        *_per_month_lengths(document, horizon),
        *_partner_problems(document),
        *_budget_years(document),
        *_stock_twice(document),
    ]
    return in_document_order(problems)


def check_instance(instance: Instance) -> list[Problem]:
    """Every cross-record problem in an instance built in code (a parsed one has none)."""
    return find_problems(instance.model_dump())


def in_document_order(problems: Iterable[Problem]) -> list[Problem]:
    """Problems grouped by record, records in the order of the format; a record's problems keep
    their order."""
    sections = {name: rank for rank, name in enumerate(Instance.model_fields)}

    def position(problem: Problem) -> tuple[int, int]:
        if problem.path == ROOT:
            return (-1, -1)
        head, _, rest = problem.path.partition("[")
        index = rest.split("]")[0]
        return (
            sections.get(head.split(".")[0], len(sections)),
            int(index) if index.isdigit() else -1,
        )

    return sorted(problems, key=position)


def _ids_not_codes(document: Mapping[str, Any]) -> Iterator[Problem]:
    # Ids become contract numbers, ocids, file names and workbook cells: one safe character
    # set for all (kuznia.text.CODE_PATTERN), so none can be read as a formula or a path.
    for section in ID_SECTIONS:
        for index, record in _records(document, section):
            record_id = record.get("id")
            if isinstance(record_id, str) and (message := code_problem(record_id)) is not None:
                yield Problem(format_path((section, index, "id")), message)


def _duplicate_ids(document: Mapping[str, Any]) -> Iterator[Problem]:
    for section, noun in ID_SECTIONS.items():
        first_index: dict[str, int] = {}
        for index, record in _records(document, section):
            record_id = record.get("id")
            if not isinstance(record_id, str):
                continue
            first = first_index.setdefault(record_id, index)
            if first != index:
                yield Problem(
                    format_path((section, index, "id")),
                    f'duplicate {noun} id "{record_id}", first at {format_path((section, first))}',
                )


def _unknown_references(document: Mapping[str, Any]) -> Iterator[Problem]:
    for section, field, target in REFERENCES:
        # Records with structural problems still count, so one broken field does not also turn
        # every reference to its record into an error.
        ids = _values(document, target, "id")
        for index, record in _records(document, section):
            value = record.get(field)
            if isinstance(value, str) and value not in ids:
                yield Problem(format_path((section, index, field)), f'unknown {field} "{value}"')


def _unknown_eligibility(document: Mapping[str, Any]) -> Iterator[Problem]:
    for index, fund in _records(document, "funds"):
        eligible = fund.get("eligible")
        if not isinstance(eligible, dict):
            continue
        for field, noun, section, defining_field in ELIGIBLE_REFERENCES:
            values = eligible.get(field)
            if not isinstance(values, list):
                continue
            known = _values(document, section, defining_field)
            for position, value in enumerate(values):
                if isinstance(value, str) and value not in known:
                    yield Problem(
                        format_path(("funds", index, "eligible", field, position)),
                        f'unknown {noun} "{value}"',
                    )


def _months_outside_horizon(document: Mapping[str, Any], horizon: int | None) -> Iterator[Problem]:
    if horizon is None:
        return
    for section, field in MONTHS:
        for index, record in _records(document, section):
            month = record.get(field)
            # A negative month is refused by the structural check; no second report here.
            if _is_int(month) and month >= horizon:
                yield Problem(
                    format_path((section, index, field)),
                    f"month {month} is outside the horizon 0..{horizon - 1}",
                )


def _per_month_lengths(document: Mapping[str, Any], horizon: int | None) -> Iterator[Problem]:
    if horizon is None:
        return
    for index, line in _records(document, "lines"):
        for field in PER_MONTH:
            values = line.get(field)
            if isinstance(values, list) and len(values) != horizon:
                yield Problem(
                    format_path(("lines", index, field)),
                    f"list of {len(values)} values, expected {horizon} (one per month)",
                )


def _partner_problems(document: Mapping[str, Any]) -> Iterator[Problem]:
    for index, producer in _records(document, "producers"):
        partners = producer.get("partners")
        if not isinstance(partners, list) or not partners:
            continue
        path = format_path(("producers", index, "partners"))
        ownership = producer.get("ownership")
        # Another ownership value is refused by the structural check; no second report here.
        if ownership in ("state", "private"):
            yield Problem(
                path,
                f'producer "{producer.get("id")}" is "{ownership}"; '
                "only a joint_venture has partners",
            )
        total: float = 0
        for partner in partners:
            share = partner.get("share") if isinstance(partner, dict) else None
            # A share outside (0, 1] is refused by the structural check and not summed here.
            if _is_number(share) and 0 < share <= 1:
                total += share
        if total > 1 + _SHARE_TOLERANCE:
            yield Problem(path, f"partner shares sum to {round(total, 9)}, more than 1")


def _budget_years(document: Mapping[str, Any]) -> Iterator[Problem]:
    for index, fund in _records(document, "funds"):
        budget = fund.get("budget")
        if not isinstance(budget, dict):
            continue
        for year in budget:
            if not (isinstance(year, str) and _YEAR.fullmatch(year)):
                yield Problem(
                    format_path(("funds", index, "budget", str(year))),
                    f'"{year}" is not a 4-digit year',
                )


def _stock_twice(document: Mapping[str, Any]) -> Iterator[Problem]:
    first_index: dict[str, int] = {}
    for index, stock in _records(document, "stock"):
        item = stock.get("item")
        if not isinstance(item, str):
            continue
        first = first_index.setdefault(item, index)
        if first != index:
            yield Problem(
                format_path(("stock", index, "item")),
                f'stock of item "{item}" listed twice, first at {format_path(("stock", first))}',
            )


def _records(document: Mapping[str, Any], section: str) -> Iterator[tuple[int, Record]]:
    records = document.get(section)
    if not isinstance(records, list):
        return
    for index, record in enumerate(records):
        if isinstance(record, dict):
            yield index, record


def _values(document: Mapping[str, Any], section: str, field: str) -> frozenset[str]:
    values = (record.get(field) for _, record in _records(document, section))
    return frozenset(value for value in values if isinstance(value, str))


def _is_int(value: object) -> TypeGuard[int]:
    # JSON true/false are bools, and Python counts bools as ints.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
