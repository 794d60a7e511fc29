"""Rules that relate one record of an instance to another (see shared/INSTANCE.md, "Bad input").

The rules read the plain JSON document, not the typed `Instance`, so they still run when the
structure is broken and a file with both kinds of problems reports both. Every rule is
defensive: a value of the wrong type is skipped here, because the structural check reports it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeGuard

from kuznia.instance.errors import (
    ABOVE_BOUND,
    DUPLICATE,
    HALF_A_WINDOW,
    MONTH_AND_WINDOW,
    NO_MONTH_OR_WINDOW,
    NOT_A_CODE,
    NOT_A_YEAR,
    OUTSIDE_HORIZON,
    PARTNER_SHARES_ABOVE_ONE,
    PARTNERS_NEED_JOINT_VENTURE,
    PER_MONTH_COUNT,
    ROOT,
    UNKNOWN_REFERENCE,
    WINDOW_REVERSED,
    Problem,
    format_path,
)
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
    "export_orders": "export order",
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
    ("export_orders", "item", "items"),
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
    ("commitments", "from"),
    ("commitments", "to"),
    ("export_orders", "month"),
)
# Fields of a line holding a number, or one number per month
PER_MONTH = ("capacity", "price")

# Upper bounds that keep every sum and product of a solve finite and well inside a double's
# exact range (HiGHS treats 1e20 as infinite): quantities per month (capacity, needs, stock,
# supply) at most 1e9 units, a unit price at most 1e9, money (a fund's yearly budget, an
# expansion's capex) at most 1e13, an operation's weight at most 1e6. Files, the API and
# workbooks all pass here, so they share them. (section, field, bound, what the bound is)
QUANTITY_BOUND = 1e9
PRICE_BOUND = 1e9
MONEY_BOUND = 1e13
WEIGHT_BOUND = 1e6
UPPER_BOUNDS: tuple[tuple[str, str, float, str], ...] = (
    ("lines", "capacity", QUANTITY_BOUND, "1e9 units per month"),
    ("lines", "price", PRICE_BOUND, "1e9 per unit"),
    ("lines", "min_rate", QUANTITY_BOUND, "1e9 units per month"),
    ("expansions", "added_capacity", QUANTITY_BOUND, "1e9 units per month"),
    ("expansions", "capex", MONEY_BOUND, "1e13"),
    ("needs", "quantity", QUANTITY_BOUND, "1e9 units per month"),
    ("foreign_supply", "quantity", QUANTITY_BOUND, "1e9 units per month"),
    ("stock", "quantity", QUANTITY_BOUND, "1e9 units"),
    ("commitments", "quantity", QUANTITY_BOUND, "1e9 units per month"),
    ("funds", "budget", MONEY_BOUND, "1e13 per year"),
)

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
        *_commitment_forms(document),
        *_above_bounds(document),
    ]
    return in_document_order(problems)


def check_instance(instance: Instance) -> list[Problem]:
    """Every cross-record problem in an instance built in code (a parsed one has none)."""
    return find_problems(instance.model_dump(by_alias=True))


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
                yield Problem.at(
                    (section, index, "id"), message, code=NOT_A_CODE, params={"value": record_id}
                )


def _duplicate_ids(document: Mapping[str, Any]) -> Iterator[Problem]:
    for section, noun in ID_SECTIONS.items():
        first_index: dict[str, int] = {}
        for index, record in _records(document, section):
            record_id = record.get("id")
            if not isinstance(record_id, str):
                continue
            first = first_index.setdefault(record_id, index)
            if first != index:
                yield Problem.at(
                    (section, index, "id"),
                    f'duplicate {noun} id "{record_id}", first at {format_path((section, first))}',
                    code=DUPLICATE,
                    first=(section, first),
                    params={"noun": noun, "value": record_id},
                )


def _unknown_references(document: Mapping[str, Any]) -> Iterator[Problem]:
    for section, field, target in REFERENCES:
        # Records with structural problems still count, so one broken field does not also turn
        # every reference to its record into an error.
        ids = _values(document, target, "id")
        for index, record in _records(document, section):
            value = record.get(field)
            if isinstance(value, str) and value not in ids:
                yield Problem.at(
                    (section, index, field),
                    f'unknown {field} "{value}"',
                    code=UNKNOWN_REFERENCE,
                    refers_to=target,
                    params={"noun": field, "value": value},
                )


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
                    yield Problem.at(
                        ("funds", index, "eligible", field, position),
                        f'unknown {noun} "{value}"',
                        code=UNKNOWN_REFERENCE,
                        refers_to=section,
                        params={"noun": noun, "value": value},
                    )


def _months_outside_horizon(document: Mapping[str, Any], horizon: int | None) -> Iterator[Problem]:
    if horizon is None:
        return
    for section, field in MONTHS:
        for index, record in _records(document, section):
            month = record.get(field)
            # A negative month is refused by the structural check; no second report here.
            if _is_int(month) and month >= horizon:
                yield Problem.at(
                    (section, index, field),
                    f"month {month} is outside the horizon 0..{horizon - 1}",
                    code=OUTSIDE_HORIZON,
                    params={"month": month, "last": horizon - 1},
                )


def _per_month_lengths(document: Mapping[str, Any], horizon: int | None) -> Iterator[Problem]:
    if horizon is None:
        return
    for index, line in _records(document, "lines"):
        for field in PER_MONTH:
            values = line.get(field)
            if isinstance(values, list) and len(values) != horizon:
                yield Problem.at(
                    ("lines", index, field),
                    f"list of {len(values)} values, expected {horizon} (one per month)",
                    code=PER_MONTH_COUNT,
                    params={"count": len(values), "expected": horizon},
                )


def _partner_problems(document: Mapping[str, Any]) -> Iterator[Problem]:
    for index, producer in _records(document, "producers"):
        partners = producer.get("partners")
        if not isinstance(partners, list) or not partners:
            continue
        path = ("producers", index, "partners")
        ownership = producer.get("ownership")
        # Another ownership value is refused by the structural check; no second report here.
        if ownership in ("state", "private"):
            yield Problem.at(
                path,
                f'producer "{producer.get("id")}" is "{ownership}"; '
                "only a joint_venture has partners",
                code=PARTNERS_NEED_JOINT_VENTURE,
                params={"ownership": ownership},
            )
        total: float = 0
        for partner in partners:
            share = partner.get("share") if isinstance(partner, dict) else None
            # A share outside (0, 1] is refused by the structural check and not summed here.
            if _is_number(share) and 0 < share <= 1:
                total += share
        if total > 1 + _SHARE_TOLERANCE:
            yield Problem.at(
                path,
                f"partner shares sum to {round(total, 9)}, more than 1",
                code=PARTNER_SHARES_ABOVE_ONE,
                params={"total": round(total, 9)},
            )


def _budget_years(document: Mapping[str, Any]) -> Iterator[Problem]:
    for index, fund in _records(document, "funds"):
        budget = fund.get("budget")
        if not isinstance(budget, dict):
            continue
        for year in budget:
            if not (isinstance(year, str) and _YEAR.fullmatch(year)):
                yield Problem.at(
                    ("funds", index, "budget", str(year)),
                    f'"{year}" is not a 4-digit year',
                    code=NOT_A_YEAR,
                    params={"value": str(year)},
                )


def _stock_twice(document: Mapping[str, Any]) -> Iterator[Problem]:
    first_index: dict[str, int] = {}
    for index, stock in _records(document, "stock"):
        item = stock.get("item")
        if not isinstance(item, str):
            continue
        first = first_index.setdefault(item, index)
        if first != index:
            yield Problem.at(
                ("stock", index, "item"),
                f'stock of item "{item}" listed twice, first at {format_path(("stock", first))}',
                code=DUPLICATE,
                first=("stock", first),
                params={"noun": "stock", "value": item},
            )


def _commitment_forms(document: Mapping[str, Any]) -> Iterator[Problem]:
    """A commitment is in one `month` or over a window `from`..`to` (inclusive), not both."""
    for index, commitment in _records(document, "commitments"):
        month = commitment.get("month")
        first, last = commitment.get("from"), commitment.get("to")
        window = first is not None or last is not None
        if month is not None and window:
            yield Problem.at(
                ("commitments", index),
                'both "month" and a window ("from"/"to") given; a commitment is one or the other',
                code=MONTH_AND_WINDOW,
            )
        elif month is None and not window:
            yield Problem.at(
                ("commitments", index),
                'neither "month" nor a window ("from" and "to") given',
                code=NO_MONTH_OR_WINDOW,
            )
        elif window and (first is None or last is None):
            missing = "from" if first is None else "to"
            yield Problem.at(
                ("commitments", index, missing),
                f'a window needs both "from" and "to"; "{missing}" is missing',
                code=HALF_A_WINDOW,
                params={"missing": missing},
            )
        elif _is_int(first) and _is_int(last) and first > last:
            yield Problem.at(
                ("commitments", index, "from"),
                f"window from {first} to {last}: from is after to",
                code=WINDOW_REVERSED,
                params={"first": first, "last": last},
            )


def _above_bounds(document: Mapping[str, Any]) -> Iterator[Problem]:
    """Numbers above their upper bound (UPPER_BOUNDS), each named with its path and bound."""
    for section, field, bound, shown in UPPER_BOUNDS:
        for index, record in _records(document, section):
            value = record.get(field)
            if isinstance(value, dict):
                parts: Iterable[tuple[Any, Any]] = value.items()
            elif isinstance(value, list):
                parts = enumerate(value)
            else:
                parts = [(None, value)]
            for part, number in parts:
                if _is_number(number) and number > bound:
                    path = (
                        (section, index, field) if part is None else (section, index, field, part)
                    )
                    yield Problem.at(
                        path,
                        f"{field} {number:g} is more than the largest allowed, {shown}",
                        code=ABOVE_BOUND,
                        params={"value": number, "bound": bound},
                    )
    weights = document.get("operation_weights")
    if isinstance(weights, dict):
        for operation, weight in weights.items():
            if _is_number(weight) and weight > WEIGHT_BOUND:
                yield Problem.at(
                    ("operation_weights", str(operation)),
                    f"weight {weight:g} is more than the largest allowed, 1e6",
                    code=ABOVE_BOUND,
                    params={"value": weight, "bound": WEIGHT_BOUND},
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
