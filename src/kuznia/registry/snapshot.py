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

Which table and column holds each field is said once, by the sections of `sections.py` and the
rules of `kuznia.registry.storage`; this module moves whole instances through them.

Exactness has one limit: SQLite stores a float -0.0 as 0.0 (the format allows -0.0 where
numbers must be >= 0); PostgreSQL keeps it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.audit.chain import Change, record
from kuznia.documents import JsonObject
from kuznia.instance import FORMAT, Instance, InstanceError, Problem, parse_instance, schema
from kuznia.instance.errors import BEYOND_WHOLE, TOO_LARGE_INTEGER
from kuznia.instance.validate import find_problems, in_document_order
from kuznia.registry.bulk import REGISTRY_TABLES, Row, ids, insert_rows, table_of
from kuznia.registry.exact import (
    LARGEST_EXACT_INT,
    LARGEST_STORED_WHOLE,
    beyond_whole_columns,
    beyond_whole_message,
    defaulted_fields,
    given_number,
    integers,
    stored_number,
    without_defaults,
)
from kuznia.registry.sections import FOREIGN_SUPPLY, INSTANCE_SECTIONS
from kuznia.registry.storage import child_rows, codes_named, documents_of, rows_of

__all__ = [
    "ImportReport",
    "RegistryEmptyError",
    "RegistryNotEmptyError",
    "SnapshotError",
    "export_instance",
    "import_instance",
    "insert_rows",
    "registry_is_empty",
]


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


def registry_is_empty(*, session: Session) -> bool:
    """Whether the registry holds no instance data (organisations, users and plan runs are
    not part of it)."""
    return all(
        session.execute(select(table.c.id).limit(1)).first() is None for table in REGISTRY_TABLES
    )


def import_instance(
    *,
    session: Session,
    instance: Instance,
    replace: bool = False,
    supplier_countries: Sequence[str | None] = (),
) -> ImportReport:
    """Load `instance` into the registry, all or nothing; with `replace`, what the registry
    held is deleted first (organisations keep their links to producers and funds by id).
    `supplier_countries`: the country of each foreign supply record, in its order (the
    registry keeps it beside the instance, decision 0016); none given: not known."""
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
        counts = _insert_instance(session, instance, supplier_countries)
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


def export_supplier_countries(*, session: Session) -> list[str | None]:
    """The supplier country of each foreign supply record of `export_instance`, in its order
    (None where not known)."""
    table = table_of(models.ForeignSupply)
    return list(session.scalars(select(table.c.supplier_country).order_by(table.c.id)).all())


def export_instance(*, session: Session) -> Instance:
    """The registry as an instance; raises InstanceError if edits made it break the format."""
    settings = session.execute(select(table_of(models.PlanningSettings))).mappings().first()
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
        Problem.at(
            path,
            f"integer {value} is too large to store exactly (> 2**53)",
            code=TOO_LARGE_INTEGER,
            params={"value": value},
        )
        for path, value in integers(document, ())
        if abs(value) > LARGEST_EXACT_INT
    )
    problems.extend(
        Problem.at(
            (section.name, k, name),
            beyond_whole_message(value),
            code=BEYOND_WHOLE,
            params={"value": value, "largest": LARGEST_STORED_WHOLE},
        )
        for section in INSTANCE_SECTIONS
        for k, record in enumerate(document.get(section.name) or [])
        for name, value in beyond_whole_columns(section.model, record)
    )
    return in_document_order(problems)


def _insert_instance(
    session: Session, instance: Instance, supplier_countries: Sequence[str | None]
) -> dict[str, int]:
    """Insert every record of `instance`, section by section; the registry must be empty."""
    insert_rows(session, models.PlanningSettings, [_settings_row(instance)])
    keys: dict[type[Any], dict[str, int]] = {}
    for section in INSTANCE_SECTIONS:
        records = getattr(instance, section.name)
        rows = rows_of(section, records, keys)
        if section is FOREIGN_SUPPLY:
            countries = list(supplier_countries)
            for k, row in enumerate(rows):
                row["supplier_country"] = countries[k] if k < len(countries) else None
        insert_rows(session, section.model, rows)
        if section.has_code:
            keys[section.model] = ids(session, section.model)
        for model, rows in child_rows(section, records, keys):
            insert_rows(session, model, rows)
    return {section.name: len(getattr(instance, section.name)) for section in INSTANCE_SECTIONS}


def _settings_row(instance: Instance) -> Row:
    """The planning settings row: the instance's own fields, its operation weights exact."""
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
            getattr(instance.operation_weights, operation)
        )
    return settings


def _organisation_links(
    session: Session,
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(organisation, producer code) and (organisation, fund code) of every link."""
    producers = table_of(models.Producer)
    funds = table_of(models.Fund)
    organisations = table_of(models.Organisation)
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
    organisations = table_of(models.Organisation)
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
    organisations = table_of(models.Organisation)
    producer_ids = ids(session, models.Producer)
    fund_ids = ids(session, models.Fund)
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


def _export_document(session: Session, settings: RowMapping) -> JsonObject:
    """The registry as a JSON-like `kuznia-instance/1` document."""
    document: JsonObject = {
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
    codes_of = codes_named(session, INSTANCE_SECTIONS)
    for section in INSTANCE_SECTIONS:
        document[section.name] = documents_of(session, section, codes_of)
    return without_defaults(
        document,
        Instance,
        settings["defaulted"],
        nested={"operation_weights": schema.OperationWeights},
    )
