"""The registry as a `kuznia-instance/1` snapshot, both ways: import an instance into the
database, export the database as an instance. The round trip is exact: `export(import(x))`
dumps to the same JSON as `x`, ints and floats, numbers and per-month lists, fields left out
and fields given, order of records and of budget years included.

Exception tree:

    Exception
     ├── InstanceError (kuznia.instance)   the instance breaks the format, or holds an integer
     │                                     too large to store exactly (above 2**53)
     └── SnapshotError                     the registry cannot take or give a snapshot
          ├── RegistryNotEmptyError        import into a registry holding data, without replace
          └── RegistryEmptyError           export of a registry no instance was imported into

Imports are all or nothing: they run in a SAVEPOINT, so a failure leaves the registry as it
was even when the caller goes on using its session. Rows go in in bulk, one statement per
table (no ORM objects; COPY on PostgreSQL), so a national instance takes about a second or two.
The functions flush; the caller's boundary (`kuznia.db.session_scope`) commits.

Exactness has one limit: SQLite stores a float -0.0 as 0.0 (the format allows -0.0 where
numbers must be >= 0); PostgreSQL keeps it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, Connection, RowMapping, Table, delete, insert, select, update
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.audit.chain import Change, record
from kuznia.instance import FORMAT, Instance, InstanceError, Problem, parse_instance, schema
from kuznia.instance.errors import format_path
from kuznia.instance.validate import find_problems, in_document_order

# Doubles hold every integer up to 2**53 exactly; larger ones would come back changed.
LARGEST_EXACT_INT = 2**53

Row = dict[str, Any]


class SnapshotError(Exception):
    """Raised when the registry cannot take or give a snapshot."""


class RegistryNotEmptyError(SnapshotError):
    """Raised when an instance is imported, without `replace`, into a registry holding data."""


class RegistryEmptyError(SnapshotError):
    """Raised when the registry is exported before any instance was imported into it."""


@dataclass(frozen=True)
class ImportReport:
    """What an import did: the records it wrote per section, and the organisations whose
    producer or funds the new registry no longer has (their links were dropped)."""

    counts: dict[str, int]
    unlinked_organisations: list[str] = field(default_factory=list)


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


# Registry tables, parents before children (inserted in this order, deleted in reverse).
REGISTRY_TABLES: tuple[Table, ...] = tuple(
    _table(model)
    for model in (
        models.PlanningSettings,
        models.Item,
        models.Producer,
        models.JointVenturePartner,
        models.Line,
        models.Expansion,
        models.Grouping,
        models.Need,
        models.Fund,
        models.FundBudget,
        models.FundEligibility,
        models.ForeignSupply,
        models.Stock,
        models.Commitment,
    )
)


def registry_is_empty(*, session: Session) -> bool:
    """Whether the registry holds no instance data (organisations, users and plan runs are
    not part of it)."""
    return all(
        session.execute(select(table.c.id).limit(1)).first() is None for table in REGISTRY_TABLES
    )


def import_instance(*, session: Session, instance: Instance, replace: bool = False) -> ImportReport:
    """Load `instance` into the registry, all or nothing; with `replace`, what the registry
    held is deleted first (organisations keep their links to producers and funds by id)."""
    problems = _problems(instance)
    if problems:
        raise InstanceError(problems)
    if not replace and not registry_is_empty(session=session):
        raise RegistryNotEmptyError(
            "the database already holds a registry; import with replace to overwrite it"
        )
    with session.begin_nested():
        producer_links, fund_links = _organisation_links(session)
        if replace:
            _clear_registry(session)
        counts = _insert_instance(session, instance)
        unlinked = _relink_organisations(session, producer_links, fund_links)
        document = json.dumps(instance.model_dump(mode="json"), sort_keys=True)
        record(
            session=session,
            changes=[
                Change(
                    "replace" if replace else "import",
                    "registry",
                    instance.name,
                    after={
                        "counts": counts,
                        "sha256": hashlib.sha256(document.encode("utf-8")).hexdigest(),
                        "unlinked_organisations": unlinked,
                    },
                )
            ],
        )
    # Rows changed under the ORM's feet: reload anything the session had loaded.
    session.expire_all()
    return ImportReport(counts=counts, unlinked_organisations=unlinked)


def export_instance(*, session: Session) -> Instance:
    """The registry as an instance; raises InstanceError if edits made it break the format."""
    settings = session.execute(select(_table(models.PlanningSettings))).mappings().first()
    if settings is None:
        raise RegistryEmptyError("the database holds no registry yet: import an instance first")
    document = _export_document(session, settings)
    return parse_instance(document)


# --- Import ---------------------------------------------------------------------------------


def _problems(instance: Instance) -> list[Problem]:
    """Every cross-record problem (an instance built in code skipped those checks), and every
    integer that a double cannot hold exactly."""
    document = instance.model_dump()
    problems = find_problems(document)
    problems.extend(
        Problem(format_path(path), f"integer {value} is too large to store exactly (> 2**53)")
        for path, value in integers(document, ())
        if abs(value) > LARGEST_EXACT_INT
    )
    return in_document_order(problems)


def integers(
    value: object, path: tuple[str | int, ...]
) -> Iterator[tuple[Sequence[str | int], int]]:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from integers(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from integers(child, (*path, index))


def stored_number(value: int | float) -> tuple[float, bool]:
    """A number of the format as a stored float and whether the source wrote an integer."""
    return float(value), type(value) is int


def defaulted_fields(record: BaseModel, nested: Sequence[str] = ()) -> list[str] | None:
    """The fields `record` left out (they hold the format's default), and those left out of
    the given nested records (`eligible.regions`); None when every field was given."""
    given = record.model_fields_set
    fields = type(record).model_fields
    if len(given) == len(fields) and not nested:
        return None
    missing = [name for name in fields if name not in given]
    for name in nested:
        if name in given:
            child: BaseModel = getattr(record, name)
            missing.extend(
                f"{name}.{child_field}"
                for child_field in type(child).model_fields
                if child_field not in child.model_fields_set
            )
    return missing or None


def insert_rows(session: Session, model: type[Any], rows: list[Row]) -> None:
    """Insert `rows` into `model`'s table: COPY on PostgreSQL (psycopg), where an executemany
    costs a round trip per row; one executemany elsewhere."""
    if not rows:
        return
    table = _table(model)
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        _copy(connection, table, rows)
    else:
        connection.execute(insert(table), rows)


def _copy(connection: Connection, table: Table, rows: list[Row]) -> None:
    """COPY `rows` (all with the same keys) into `table`, in the connection's transaction.

    COPY bypasses SQLAlchemy's types, so values go in as the database reads them: enums as
    their values, JSON as its text (the JSON type keeps that text verbatim).
    """
    names = list(rows[0])
    json_columns = [isinstance(table.c[name].type, JSON) for name in names]
    preparer = connection.dialect.identifier_preparer
    statement = (
        f"COPY {preparer.format_table(table)} "
        f"({', '.join(preparer.quote(name) for name in names)}) FROM STDIN"
    )
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None
    with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [
                    _copy_value(row[name], is_json)
                    for name, is_json in zip(names, json_columns, strict=True)
                ]
            )


def _copy_value(value: Any, is_json: bool) -> Any:
    if is_json:
        return None if value is None else json.dumps(value, allow_nan=False)
    if isinstance(value, Enum):
        return value.value
    return value


def _ids(session: Session, model: type[Any]) -> dict[str, int]:
    """Key of every row of `model` by its code (the instance id)."""
    table = _table(model)
    return {code: key for code, key in session.execute(select(table.c.code, table.c.id))}


def _insert_instance(session: Session, instance: Instance) -> dict[str, int]:
    """Insert every record of `instance`; the registry must be empty."""
    weights = instance.operation_weights
    settings: Row = {
        "id": models.SETTINGS_ID,
        "name": instance.name,
        "start": instance.start,
        "months": instance.months,
        "currency": instance.currency,
        "defaulted": defaulted_fields(instance, nested=("operation_weights",)),
    }
    for operation in schema.OperationWeights.model_fields:
        settings[f"weight_{operation}"], settings[f"weight_{operation}_is_int"] = stored_number(
            getattr(weights, operation)
        )
    insert_rows(session, models.PlanningSettings, [settings])

    insert_rows(
        session,
        models.Item,
        [
            {
                "code": item.id,
                "name": item.name,
                "category": item.category,
                "unit": item.unit,
                "defaulted": defaulted_fields(item),
            }
            for item in instance.items
        ],
    )
    item_ids = _ids(session, models.Item)

    insert_rows(
        session,
        models.Producer,
        [
            {
                "code": producer.id,
                "name": producer.name,
                "ownership": producer.ownership,
                "region": producer.region,
                "defaulted": defaulted_fields(producer),
            }
            for producer in instance.producers
        ],
    )
    producer_ids = _ids(session, models.Producer)
    partners: list[Row] = []
    for producer in instance.producers:
        for partner in producer.partners:
            share, share_is_int = stored_number(partner.share)
            partners.append(
                {
                    "producer_id": producer_ids[producer.id],
                    "country": partner.country,
                    "share": share,
                    "share_is_int": share_is_int,
                }
            )
    insert_rows(session, models.JointVenturePartner, partners)

    lines: list[Row] = []
    for line in instance.lines:
        min_rate, min_rate_is_int = stored_number(line.min_rate)
        lines.append(
            {
                "code": line.id,
                "producer_id": producer_ids[line.producer],
                "item_id": item_ids[line.item],
                "capacity": line.capacity,
                "price": line.price,
                "lead_time": line.lead_time,
                "min_rate": min_rate,
                "min_rate_is_int": min_rate_is_int,
                "defaulted": defaulted_fields(line),
            }
        )
    insert_rows(session, models.Line, lines)
    line_ids = _ids(session, models.Line)

    expansions: list[Row] = []
    for expansion in instance.expansions:
        added_capacity, added_capacity_is_int = stored_number(expansion.added_capacity)
        capex, capex_is_int = stored_number(expansion.capex)
        expansions.append(
            {
                "code": expansion.id,
                "line_id": line_ids[expansion.line],
                "start": expansion.start,
                "delay": expansion.delay,
                "added_capacity": added_capacity,
                "added_capacity_is_int": added_capacity_is_int,
                "capex": capex,
                "capex_is_int": capex_is_int,
                "defaulted": defaulted_fields(expansion),
            }
        )
    insert_rows(session, models.Expansion, expansions)

    insert_rows(
        session,
        models.Grouping,
        [
            {"code": grouping.id, "name": grouping.name, "defaulted": defaulted_fields(grouping)}
            for grouping in instance.groupings
        ],
    )
    grouping_ids = _ids(session, models.Grouping)

    needs: list[Row] = []
    for need in instance.needs:
        quantity, quantity_is_int = stored_number(need.quantity)
        needs.append(
            {
                "item_id": item_ids[need.item],
                "grouping_id": grouping_ids[need.grouping],
                "month": need.month,
                "quantity": quantity,
                "quantity_is_int": quantity_is_int,
                "operation": need.operation,
                "priority": need.priority,
                "defaulted": defaulted_fields(need),
            }
        )
    insert_rows(session, models.Need, needs)

    insert_rows(
        session,
        models.Fund,
        [
            {
                "code": fund.id,
                "name": fund.name,
                "kind": fund.kind,
                "pays_expansions": fund.expansions,
                "defaulted": defaulted_fields(fund, nested=("eligible",)),
            }
            for fund in instance.funds
        ],
    )
    fund_ids = _ids(session, models.Fund)
    budgets: list[Row] = []
    eligibility: list[Row] = []
    for fund in instance.funds:
        fund_id = fund_ids[fund.id]
        for year, amount in fund.budget.items():
            stored, is_int = stored_number(amount)
            budgets.append(
                {"fund_id": fund_id, "year": int(year), "amount": stored, "amount_is_int": is_int}
            )
        for rule in models.EligibilityRule:
            for value in getattr(fund.eligible, rule.value):
                by_producer = rule is models.EligibilityRule.producers
                eligibility.append(
                    {
                        "fund_id": fund_id,
                        "rule": rule,
                        "value": None if by_producer else value,
                        "producer_id": producer_ids[value] if by_producer else None,
                    }
                )
    insert_rows(session, models.FundBudget, budgets)
    insert_rows(session, models.FundEligibility, eligibility)

    insert_rows(
        session,
        models.ForeignSupply,
        [
            _quantity_row(supply.quantity, item_id=item_ids[supply.item], month=supply.month)
            for supply in instance.foreign_supply
        ],
    )
    insert_rows(
        session,
        models.Stock,
        [_quantity_row(stock.quantity, item_id=item_ids[stock.item]) for stock in instance.stock],
    )
    insert_rows(
        session,
        models.Commitment,
        [
            _quantity_row(
                commitment.quantity, line_id=line_ids[commitment.line], month=commitment.month
            )
            for commitment in instance.commitments
        ],
    )
    return {
        "items": len(instance.items),
        "producers": len(instance.producers),
        "lines": len(instance.lines),
        "expansions": len(instance.expansions),
        "groupings": len(instance.groupings),
        "needs": len(instance.needs),
        "funds": len(instance.funds),
        "foreign_supply": len(instance.foreign_supply),
        "stock": len(instance.stock),
        "commitments": len(instance.commitments),
    }


def _quantity_row(quantity: int | float, **keys: int) -> Row:
    stored, is_int = stored_number(quantity)
    return {**keys, "quantity": stored, "quantity_is_int": is_int}


def _organisation_links(
    session: Session,
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(organisation, producer code) and (organisation, fund code) of every link."""
    producers = _table(models.Producer)
    funds = _table(models.Fund)
    organisations = _table(models.Organisation)
    producer_links = [
        (organisation_id, code)
        for organisation_id, code in session.execute(
            select(organisations.c.id, producers.c.code).join(
                producers, organisations.c.producer_id == producers.c.id
            )
        )
    ]
    fund_links = [
        (organisation_id, code)
        for organisation_id, code in session.execute(
            select(models.organisation_funds.c.organisation_id, funds.c.code).join(
                funds, models.organisation_funds.c.fund_id == funds.c.id
            )
        )
    ]
    return producer_links, fund_links


def _clear_registry(session: Session) -> None:
    """Delete every registry row; organisations lose their links (restored by code later)."""
    organisations = _table(models.Organisation)
    session.execute(
        update(organisations)
        .where(organisations.c.producer_id.is_not(None))
        .values(producer_id=None)
    )
    session.execute(delete(models.organisation_funds))
    for table in reversed(REGISTRY_TABLES):
        session.execute(delete(table))


def _relink_organisations(
    session: Session,
    producer_links: list[tuple[int, str]],
    fund_links: list[tuple[int, str]],
) -> list[str]:
    """Link organisations again to the producers and funds of the same code; the names of
    the organisations that lost a link, sorted."""
    if not producer_links and not fund_links:
        return []
    organisations = _table(models.Organisation)
    producer_ids = _ids(session, models.Producer)
    fund_ids = _ids(session, models.Fund)
    lost: set[int] = set()
    for organisation_id, code in producer_links:
        if code in producer_ids:
            session.execute(
                update(organisations)
                .where(organisations.c.id == organisation_id)
                .values(producer_id=producer_ids[code])
            )
        else:
            lost.add(organisation_id)
    kept = [
        {"organisation_id": organisation_id, "fund_id": fund_ids[code]}
        for organisation_id, code in fund_links
        if code in fund_ids
    ]
    lost.update(organisation_id for organisation_id, code in fund_links if code not in fund_ids)
    if kept:
        session.execute(insert(models.organisation_funds), kept)
    if not lost:
        return []
    names = session.execute(select(organisations.c.name).where(organisations.c.id.in_(lost)))
    return sorted(name for (name,) in names)


# --- Export ---------------------------------------------------------------------------------


def _export_document(session: Session, settings: RowMapping) -> dict[str, Any]:
    """The registry as a JSON-like `kuznia-instance/1` document."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "name": settings["name"],
        "start": settings["start"],
        "months": settings["months"],
        "currency": settings["currency"],
        "operation_weights": {
            operation: given_number(
                settings[f"weight_{operation}"], settings[f"weight_{operation}_is_int"]
            )
            for operation in schema.OperationWeights.model_fields
        },
    }
    item_codes = _codes(session, models.Item)
    producer_codes = _codes(session, models.Producer)
    line_codes = _codes(session, models.Line)
    grouping_codes = _codes(session, models.Grouping)

    document["items"] = [
        without_defaults(
            {"id": row.code, "name": row.name, "category": row.category, "unit": row.unit},
            schema.Item,
            row.defaulted,
        )
        for row in _rows(session, models.Item)
    ]

    partners: dict[int, list[dict[str, Any]]] = {}
    for row in _rows(session, models.JointVenturePartner):
        partners.setdefault(row.producer_id, []).append(
            {"country": row.country, "share": given_number(row.share, row.share_is_int)}
        )
    document["producers"] = [
        without_defaults(
            {
                "id": row.code,
                "name": row.name,
                "ownership": str(row.ownership),
                "region": row.region,
                "partners": partners.get(row.id, []),
            },
            schema.Producer,
            row.defaulted,
        )
        for row in _rows(session, models.Producer)
    ]

    document["lines"] = [
        without_defaults(
            {
                "id": row.code,
                "producer": producer_codes[row.producer_id],
                "item": item_codes[row.item_id],
                "capacity": row.capacity,
                "price": row.price,
                "lead_time": row.lead_time,
                "min_rate": given_number(row.min_rate, row.min_rate_is_int),
            },
            schema.Line,
            row.defaulted,
        )
        for row in _rows(session, models.Line)
    ]

    document["expansions"] = [
        without_defaults(
            {
                "id": row.code,
                "line": line_codes[row.line_id],
                "start": row.start,
                "delay": row.delay,
                "added_capacity": given_number(row.added_capacity, row.added_capacity_is_int),
                "capex": given_number(row.capex, row.capex_is_int),
            },
            schema.Expansion,
            row.defaulted,
        )
        for row in _rows(session, models.Expansion)
    ]

    document["groupings"] = [
        without_defaults({"id": row.code, "name": row.name}, schema.Grouping, row.defaulted)
        for row in _rows(session, models.Grouping)
    ]

    document["needs"] = [
        without_defaults(
            {
                "item": item_codes[row.item_id],
                "grouping": grouping_codes[row.grouping_id],
                "month": row.month,
                "quantity": given_number(row.quantity, row.quantity_is_int),
                "operation": str(row.operation),
                "priority": row.priority,
            },
            schema.Need,
            row.defaulted,
        )
        for row in _rows(session, models.Need)
    ]

    document["funds"] = _export_funds(session, producer_codes)

    document["foreign_supply"] = [
        {
            "item": item_codes[row.item_id],
            "month": row.month,
            "quantity": given_number(row.quantity, row.quantity_is_int),
        }
        for row in _rows(session, models.ForeignSupply)
    ]
    document["stock"] = [
        {
            "item": item_codes[row.item_id],
            "quantity": given_number(row.quantity, row.quantity_is_int),
        }
        for row in _rows(session, models.Stock)
    ]
    document["commitments"] = [
        {
            "line": line_codes[row.line_id],
            "month": row.month,
            "quantity": given_number(row.quantity, row.quantity_is_int),
        }
        for row in _rows(session, models.Commitment)
    ]
    return without_defaults(
        document,
        Instance,
        settings["defaulted"],
        nested={"operation_weights": schema.OperationWeights},
    )


def _export_funds(session: Session, producer_codes: Mapping[int, str]) -> list[dict[str, Any]]:
    budgets: dict[int, dict[str, int | float]] = {}
    for row in _rows(session, models.FundBudget):
        budgets.setdefault(row.fund_id, {})[f"{row.year:04d}"] = given_number(
            row.amount, row.amount_is_int
        )
    eligible: dict[int, dict[str, list[str]]] = {}
    for row in _rows(session, models.FundEligibility):
        lists = eligible.setdefault(
            row.fund_id, {rule.value: [] for rule in models.EligibilityRule}
        )
        value = producer_codes[row.producer_id] if row.producer_id is not None else row.value
        lists[str(row.rule)].append(value)
    return [
        without_defaults(
            {
                "id": row.code,
                "name": row.name,
                "kind": str(row.kind),
                "budget": budgets.get(row.id, {}),
                "eligible": eligible.get(row.id)
                or {rule.value: [] for rule in models.EligibilityRule},
                "expansions": row.pays_expansions,
            },
            schema.Fund,
            row.defaulted,
            nested={"eligible": schema.Eligibility},
        )
        for row in _rows(session, models.Fund)
    ]


def _rows(session: Session, model: type[Any]) -> Iterator[Any]:
    """Every row of `model`'s table as a named tuple, in the order they were inserted."""
    table = _table(model)
    return iter(session.execute(select(table).order_by(table.c.id)).all())


def _codes(session: Session, model: type[Any]) -> dict[int, str]:
    table = _table(model)
    return {key: code for key, code in session.execute(select(table.c.id, table.c.code))}


def given_number(stored: float, is_int: bool) -> int | float:
    """A stored number as the source wrote it; a flag left stale by an edit to a fraction
    cannot cut the fraction off."""
    return int(stored) if is_int and stored.is_integer() else stored


@cache
def _default(model: type[BaseModel], name: str) -> Any:
    """The JSON value of the format's default for field `name` of `model`."""
    default = model.model_fields[name].get_default(call_default_factory=True)
    return default.model_dump(mode="json") if isinstance(default, BaseModel) else default


def without_defaults(
    record: dict[str, Any],
    model: type[BaseModel],
    defaulted: Sequence[str] | None,
    nested: Mapping[str, type[BaseModel]] | None = None,
) -> dict[str, Any]:
    """`record` without the fields its source left out that still hold their default."""
    for name in defaulted or ():
        head, _, rest = name.partition(".")
        if rest:
            child = record.get(head)
            if nested is not None and head in nested and isinstance(child, dict):
                _drop_default(child, nested[head], rest)
        else:
            _drop_default(record, model, head)
    return record


def _drop_default(record: dict[str, Any], model: type[BaseModel], name: str) -> None:
    if name in record and name in model.model_fields and record[name] == _default(model, name):
        del record[name]
