"""How each section's records sit in the registry's tables, driven by `sections.py`: the
record's fields are its table's columns of the same name, with these rules:

- `id` is the column `code`;
- a field naming another record by id (`Section.references`) is the column `<field>_id`
  holding that row's key;
- a number with a `<field>_is_int` column is stored as a float and that flag
  (`kuznia.registry.exact`);
- a table with a `defaulted` column remembers the fields the source left out, and those of its
  nested records (`Section.nested`);
- a field held elsewhere (a child table, or a column of another name) has a `Special` in
  `SPECIAL_FIELDS`: producers' JV partners, funds' budgets, eligibility and `expansions`.

Adding a field to a record means adding its column; adding a section means adding its
`Section` (and a `Special` only when a field is not a column of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from kuznia import models
from kuznia.documents import JsonObject
from kuznia.instance import schema
from kuznia.registry.bulk import Row, codes, rows_in_order, table_of
from kuznia.registry.exact import defaulted_fields, given_number, stored_number, without_defaults
from kuznia.registry.sections import COMMITMENTS, FUNDS, PRODUCERS, Section

# Keys of each table's rows by code, for the sections whose records others name.
Keys = Mapping[type[Any], Mapping[str, int]]
# Codes of each table's rows by key.
Codes = Mapping[type[Any], Mapping[int, str]]


@dataclass(frozen=True)
class Special:
    """A field of a section's records held elsewhere than a column of its own name.

    `rows` gives the child rows of one record (its key given), inserted after the section's
    rows; `read` gives every record's value by the key of its row, and `empty` the value of a
    record with no child rows. A field held in a renamed column has `column` instead.
    """

    model: type[Any] | None = None
    rows: Callable[[Any, int, Keys], list[Row]] | None = None
    read: Callable[[Session, Codes], dict[int, Any]] | None = None
    empty: Callable[[], Any] | None = None
    column: str | None = None


def _partner_rows(producer: schema.Producer, key: int, _keys: Keys) -> list[Row]:
    rows = []
    for partner in producer.partners:
        share, share_is_int = stored_number(partner.share)
        rows.append(
            {
                "producer_id": key,
                "country": partner.country,
                "share": share,
                "share_is_int": share_is_int,
            }
        )
    return rows


def _read_partners(session: Session, _codes_of: Codes) -> dict[int, Any]:
    partners: dict[int, list[dict[str, Any]]] = {}
    for row in rows_in_order(session, models.JointVenturePartner):
        partners.setdefault(row.producer_id, []).append(
            {"country": row.country, "share": given_number(row.share, row.share_is_int)}
        )
    return partners


def _budget_rows(fund: schema.Fund, key: int, _keys: Keys) -> list[Row]:
    rows = []
    for year, amount in fund.budget.items():
        stored, is_int = stored_number(amount)
        rows.append({"fund_id": key, "year": int(year), "amount": stored, "amount_is_int": is_int})
    return rows


def _read_budgets(session: Session, _codes_of: Codes) -> dict[int, Any]:
    budgets: dict[int, dict[str, int | float]] = {}
    for row in rows_in_order(session, models.FundBudget):
        budgets.setdefault(row.fund_id, {})[f"{row.year:04d}"] = given_number(
            row.amount, row.amount_is_int
        )
    return budgets


def _eligibility_rows(fund: schema.Fund, key: int, keys: Keys) -> list[Row]:
    rows = []
    for rule in models.EligibilityRule:
        by_producer = rule is models.EligibilityRule.producers
        for value in getattr(fund.eligible, rule.value):
            rows.append(
                {
                    "fund_id": key,
                    "rule": rule,
                    "value": None if by_producer else value,
                    "producer_id": keys[models.Producer][value] if by_producer else None,
                }
            )
    return rows


def _no_eligibility() -> dict[str, list[str]]:
    return {rule.value: [] for rule in models.EligibilityRule}


def _read_eligibility(session: Session, codes_of: Codes) -> dict[int, Any]:
    producer_codes = codes_of[models.Producer]
    eligible: dict[int, dict[str, list[str]]] = {}
    for row in rows_in_order(session, models.FundEligibility):
        lists = eligible.setdefault(row.fund_id, _no_eligibility())
        value = producer_codes[row.producer_id] if row.producer_id is not None else row.value
        lists[str(row.rule)].append(value)
    return eligible


# (section, field) -> where the field is held; inserted in this order after the section's rows.
SPECIAL_FIELDS: dict[tuple[str, str], Special] = {
    (PRODUCERS.name, "partners"): Special(
        models.JointVenturePartner, _partner_rows, _read_partners, list
    ),
    (FUNDS.name, "budget"): Special(models.FundBudget, _budget_rows, _read_budgets, dict),
    (FUNDS.name, "eligible"): Special(
        models.FundEligibility, _eligibility_rows, _read_eligibility, _no_eligibility
    ),
    (FUNDS.name, "expansions"): Special(column="pays_expansions"),
    (COMMITMENTS.name, "from_"): Special(column="from_month"),
    (COMMITMENTS.name, "to"): Special(column="to_month"),
}


# How a field is stored: a kind (below) and its column.
_CODE, _REFERENCE, _EXACT, _PLAIN, _CHILD = range(5)


@cache
def _layout(section: Section) -> tuple[tuple[str, int, str], ...]:
    """(field, kind, column) of each field of the section's records, in the record's order."""
    columns = table_of(section.model).c
    layout = []
    for name in section.record.model_fields:
        special = SPECIAL_FIELDS.get((section.name, name))
        if name == "id":
            layout.append((name, _CODE, "code"))
        elif name in section.references:
            layout.append((name, _REFERENCE, f"{name}_id"))
        elif special is not None and special.column is None:
            layout.append((name, _CHILD, name))
        elif f"{name}_is_int" in columns:
            layout.append((name, _EXACT, name))
        else:
            renamed = special.column if special is not None else None
            layout.append((name, _PLAIN, renamed or name))
    return tuple(layout)


def _remembers_defaults(section: Section) -> bool:
    return "defaulted" in table_of(section.model).c


def rows_of(section: Section, records: list[Any], keys: Keys) -> list[Row]:
    """The rows of `section`'s table that hold `records` (child rows aside)."""
    layout = _layout(section)
    references = {name: keys[model] for name, model in section.references.items()}
    nested = tuple(section.nested) if _remembers_defaults(section) else None
    rows = []
    for record in records:
        row: Row = {}
        for name, kind, column in layout:
            value = getattr(record, name)
            if kind == _REFERENCE:
                row[column] = references[name][value]
            elif kind == _EXACT:
                row[column], row[f"{column}_is_int"] = stored_number(value)
            elif kind != _CHILD:
                row[column] = value
        if nested is not None:
            row["defaulted"] = defaulted_fields(record, nested)
        rows.append(row)
    return rows


def child_rows(section: Section, records: list[Any], keys: Keys) -> list[tuple[Any, list[Row]]]:
    """The child rows of `records` (rows of `section` already inserted), per child table."""
    own = keys[section.model] if section.has_code else {}
    children = []
    for (name, _), special in SPECIAL_FIELDS.items():
        if name != section.name or special.rows is None:
            continue
        rows = [row for record in records for row in special.rows(record, own[record.id], keys)]
        children.append((special.model, rows))
    return children


def documents_of(session: Session, section: Section, codes_of: Codes) -> list[JsonObject]:
    """Every record of `section` as its instance document, in the order it was imported,
    fields the source left out still left out."""
    layout = _layout(section)
    children = {
        name: (special.read(session, codes_of), special.empty)
        for (owner, name), special in SPECIAL_FIELDS.items()
        if owner == section.name and special.read is not None and special.empty is not None
    }
    references = {name: codes_of[model] for name, model in section.references.items()}
    remembers = _remembers_defaults(section)
    nested = section.nested
    documents = []
    for row in rows_in_order(session, section.model):
        document: JsonObject = {}
        for name, kind, column in layout:
            if kind == _REFERENCE:
                document[name] = references[name][getattr(row, column)]
            elif kind == _EXACT:
                document[name] = given_number(
                    getattr(row, column), getattr(row, f"{column}_is_int")
                )
            elif kind == _CHILD:
                values, empty = children[name]
                found = values.get(row.id)
                document[name] = found if found is not None else empty()
            else:
                value = getattr(row, column)
                document[name] = value.value if isinstance(value, Enum) else value
        if remembers:
            document = without_defaults(document, section.record, row.defaulted, nested)
        documents.append(
            {
                section.record.model_fields[name].alias or name: value
                for name, value in document.items()
            }
        )
    return documents


def codes_named(session: Session, sections: tuple[Section, ...]) -> dict[type[Any], dict[int, str]]:
    """Codes by key of every table a section's records or special fields name."""
    named = {model for section in sections for model in section.references.values()}
    named.add(models.Producer)  # a fund's eligible producers
    return {model: codes(session, model) for model in named}
