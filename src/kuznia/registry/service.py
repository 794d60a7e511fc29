"""Reading and changing registry records, section by section, for a caller's scope.

Records come in and go out with the API's keys (`code` for the instance's `id`, references by
code) and are checked by the instance format's own rules. Updates name the version they were
made on; a stale one is refused (409) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from kuznia.auth.permissions import Access, Action, Scope
from kuznia.errors import Conflict, FieldProblem, Forbidden, ensure_version
from kuznia.pagination import PageParams
from kuznia.registry import repository
from kuznia.registry.records import check_document, read_document, stored_document, write_record
from kuznia.registry.schemas import RecordFilters, RecordRead, section_schemas
from kuznia.registry.sections import EXPANSIONS, LINES, PRODUCERS, STOCK, Section

# What a producer's user may change on its own producer (its name, its head count): the
# registry's facts (ownership, region, partners) decide which funds may pay it, so the
# ministry keeps those.
PRODUCER_EDITABLE = frozenset({"name", "employees"})


def list_records(
    *,
    session: Session,
    section: Section,
    scope: Scope,
    filters: RecordFilters,
    page: PageParams,
) -> tuple[list[RecordRead], int]:
    """A page of the section's records the caller may see (`filters`: the section's filter
    schema, or `RecordFilters()` for all), and how many there are."""
    if type(filters) not in (RecordFilters, section_schemas(section).filters):
        raise TypeError(f"{type(filters).__name__} are not filters of {section.name}")
    rows, total = repository.list_rows(
        session=session, section=section, scope=scope, filters=filters, page=page
    )
    return [_read(section, row) for row in rows], total


def get_record(*, session: Session, section: Section, scope: Scope, record_id: int) -> RecordRead:
    """One record the caller may see."""
    row = repository.get_row(
        session=session, section=section, scope=scope, record_id=record_id, action=Action.read
    )
    return _read(section, row)


def create_record(
    *, session: Session, section: Section, scope: Scope, fields: Mapping[str, Any]
) -> RecordRead:
    """Add a record; fields left out take the format's defaults."""
    access = scope.require(section.name, Action.write)
    if access is Access.own and section is PRODUCERS:
        raise Forbidden("a producer's user cannot create producers: the ministry registers them")
    extra = {name: fields[name] for name in section.api_fields if name in fields}
    document = _instance_keys({k: v for k, v in fields.items() if k not in section.api_fields})
    record, referenced = check_document(section, document, session=session, scope=scope)
    if access is Access.own:
        _require_own(section, scope, referenced)
    _require_unique(session, section, record, referenced, other_than=None)
    row = section.model()
    write_record(section, row, record, referenced)
    for name, (_, default, _) in section.api_fields.items():
        setattr(row, name, extra.get(name, default))
    session.add(row)
    _flush(session, section, "added")
    return _read(section, row)


def update_record(
    *,
    session: Session,
    section: Section,
    scope: Scope,
    record_id: int,
    version: int,
    changes: Mapping[str, Any],
) -> RecordRead:
    """Change some fields of a record made on `version`; a stale version changes nothing."""
    row = repository.get_row(
        session=session, section=section, scope=scope, record_id=record_id, action=Action.write
    )
    ensure_version(current=row.version, given=version, what=f"{section.noun} {record_id}")
    access = scope.access(section.name, Action.write)
    before = read_document(section, row)
    if access is Access.own and section is PRODUCERS:
        locked = sorted(
            name
            for name, value in changes.items()
            if name not in PRODUCER_EDITABLE and value != before.get(name)
        )
        if locked:
            raise Forbidden(
                "a producer's user may change only its producer's name and employees, "
                f"not: {', '.join(locked)}"
            )
    extra = {
        name: value
        for name, value in changes.items()
        if name in section.api_fields and value is not None
    }
    changes = {k: v for k, v in changes.items() if k not in section.api_fields}
    document = {**stored_document(section, row), **_instance_keys(changes)}
    record, referenced = check_document(section, document, session=session, scope=scope)
    if access is Access.own:
        _require_own(section, scope, referenced)
    _require_unique(session, section, record, referenced, other_than=row.id)
    write_record(section, row, record, referenced)
    for name, value in extra.items():
        setattr(row, name, value)
    if not session.is_modified(row, include_collections=False) and (
        read_document(section, row) != before
    ):
        # A change to child rows only (budgets, partners) must still count as a new version.
        flag_modified(row, "defaulted")
    _flush(session, section, "changed")
    return _read(section, row)


def delete_record(
    *, session: Session, section: Section, scope: Scope, record_id: int, version: int | None
) -> None:
    """Delete a record no other record refers to (made on `version`, when given)."""
    row = repository.get_row(
        session=session, section=section, scope=scope, record_id=record_id, action=Action.write
    )
    if scope.access(section.name, Action.write) is Access.own and section is PRODUCERS:
        raise Forbidden("a producer's user cannot delete its producer")
    if version is not None:
        ensure_version(current=row.version, given=version, what=f"{section.noun} {record_id}")
    _refuse_if_referenced(session, section, row)
    session.delete(row)
    _flush(session, section, "deleted")


# What each kind of record that refers to a line or an expansion is called in a refusal.
REFERRING = {
    "expansions": "expansions on it",
    "commitments": "signed commitments (ids)",
    "contracts": "contracts",
    "guarantees": "guarantees",
    "active_plan_runs": "plan runs queued or running with it in their input (ids)",
    "plan_runs": "plan runs that deliver from it or choose it (ids)",
}


def _refuse_if_referenced(session: Session, section: Section, row: Any) -> None:
    """A line or an expansion that contracts, guarantees, commitments, expansions or plan
    runs (finished ones by their results, queued or running ones by their input) refer to stays (409; each kind a problem of code `still_referenced`, its field the
    kind, its message the first few codes, numbers or ids): deleting it
    would leave them pointing at nothing (contracts and plan results name it by code, which
    no foreign key guards)."""
    if section is LINES:
        found = repository.line_references(session=session, line=row)
    elif section is EXPANSIONS:
        found = repository.expansion_references(session=session, expansion=row)
    else:
        return
    if not found:
        return
    problems = [
        FieldProblem(kind, ", ".join(codes), code="still_referenced")
        for kind, codes in found.items()
    ]
    advice = "set its {} to 0 to stop planning it".format(
        "capacity" if section is LINES else "added capacity"
    )
    raise Conflict(
        f'the {section.noun} "{row.code}" cannot be deleted, other records refer to it ('
        + "; ".join(f"{REFERRING[p.field]}: {p.message}" for p in problems)
        + f"): {advice}",
        problems=problems,
    )


def _read(section: Section, row: Any) -> RecordRead:
    """A record as its section's read schema shows it."""
    extra = {name: getattr(row, name) for name in section.api_fields}
    shown = {"id": row.id, "version": row.version, **read_document(section, row), **extra}
    return section_schemas(section).read.model_validate(shown)


def _instance_keys(fields: Mapping[str, Any]) -> dict[str, Any]:
    """API fields under the instance's names (`code` is the instance's `id`)."""
    return {("id" if name == "code" else name): value for name, value in fields.items()}


def _require_own(section: Section, scope: Scope, referenced: Mapping[str, Any]) -> None:
    """A producer's user writes only lines and expansions of its own producer."""
    if section is LINES:
        owner = referenced["producer"].id
    elif section is EXPANSIONS:
        owner = referenced["line"].producer_id
    else:
        owner = None if section is not PRODUCERS else scope.producer_id
    if owner is None or owner != scope.producer_id:
        raise Forbidden(f"a producer's user may write only its own producer's {section.name}")


def _require_unique(
    session: Session,
    section: Section,
    record: Any,
    referenced: Mapping[str, Any],
    *,
    other_than: int | None,
) -> None:
    if section.has_code and repository.code_taken(
        session=session, section=section, code=record.id, other_than=other_than
    ):
        raise Conflict(
            f'a {section.noun} with code "{record.id}" exists',
            problems=[FieldProblem("code", f'"{record.id}" is taken', code="code_taken")],
        )
    if section is STOCK and repository.stock_of_item_exists(
        session=session, item_id=referenced["item"].id, other_than=other_than
    ):
        raise Conflict(f'item "{record.item}" has a stock record already: update that one')


def _flush(session: Session, section: Section, done: str) -> None:
    """Write the change now, so a clash is reported as one (409) and not as a crash."""
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict(
            f"the {section.noun} cannot be {done}: other records refer to it or it would "
            f"duplicate one ({_constraint(error)})"
        ) from None


def _constraint(error: IntegrityError) -> str:
    text = str(error.orig).strip().splitlines()[0] if error.orig else "integrity"
    return text[:200]
