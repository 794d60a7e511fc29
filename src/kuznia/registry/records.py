"""One registry record between its table row and its instance document: read a row as the
record's fields, check a document by the instance format's rules (the same as for a whole
file: `kuznia.instance.validate`), and write a checked record onto a row."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.documents import JsonObject
from kuznia.errors import Conflict, FieldProblem, InvalidInput
from kuznia.instance import schema
from kuznia.instance.errors import BEYOND_WHOLE, TOO_LARGE_INTEGER, Problem, format_path
from kuznia.instance.io import describe_errors
from kuznia.instance.validate import find_problems
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
from kuznia.registry.sections import FUNDS, PRODUCERS, SECTIONS, Section


def read_document(section: Section, row: Any) -> JsonObject:
    """Every field of the record in `row`, defaults filled in; `code` for the instance's id."""
    document: JsonObject = {}
    for name in section.record.model_fields:
        if name == "id":
            document["code"] = row.code
        elif name in section.references:
            document[name] = getattr(row, name).code
        elif section is PRODUCERS and name == "partners":
            document[name] = [
                {"country": p.country, "share": given_number(p.share, p.share_is_int)}
                for p in row.partners
            ]
        elif section is FUNDS and name in ("budget", "eligible", "expansions"):
            document[name] = _fund_field(row, name)
        elif hasattr(row, f"{name}_is_int"):
            document[name] = given_number(getattr(row, name), getattr(row, f"{name}_is_int"))
        else:
            value = getattr(row, name)
            document[name] = value.value if isinstance(value, Enum) else value
    return document


def stored_document(section: Section, row: Any) -> JsonObject:
    """The record as its source gave it: instance keys, fields left out still left out."""
    document = read_document(section, row)
    document["id"] = document.pop("code", None)
    if document["id"] is None:
        del document["id"]
    return without_defaults(
        document, section.record, getattr(row, "defaulted", None), section.nested
    )


def _fund_field(row: models.Fund, name: str) -> Any:
    if name == "expansions":
        return row.pays_expansions
    if name == "budget":
        return {f"{b.year:04d}": given_number(b.amount, b.amount_is_int) for b in row.budgets}
    lists: dict[str, list[str]] = {rule.value: [] for rule in models.EligibilityRule}
    for rule in row.eligibility:
        lists[rule.rule.value].append(rule.producer.code if rule.producer else rule.value or "")
    return lists


def check_document(
    section: Section, document: Mapping[str, Any], *, session: Session, scope: Scope
) -> tuple[schema.Record, dict[str, Any]]:
    """The record `document` (instance keys) holds, and the rows it names by code; raises
    InvalidInput naming every bad field (`code` for the instance's `id`). A code of a record
    the caller may not read (another producer's line) is refused as a code of no record, in
    the same words: the caller learns nothing of records beyond its reach."""
    settings = session.get(models.PlanningSettings, models.SETTINGS_ID)
    if settings is None:
        raise Conflict(
            "the registry has no horizon yet: import an instance or PUT /api/v1/settings first"
        )
    # The same limit as an import: a double holds every integer up to 2**53 exactly.
    problems = [
        FieldProblem(
            _api_field(format_path(path)),
            f"integer {value} is too large to store exactly (> 2**53)",
            kind=TOO_LARGE_INTEGER,
            params={"value": value},
        )
        for path, value in integers(document, ())
        if abs(value) > LARGEST_EXACT_INT
    ]
    problems.extend(
        FieldProblem(
            _api_field(name),
            beyond_whole_message(value),
            kind=BEYOND_WHOLE,
            params={"value": value, "largest": LARGEST_STORED_WHOLE},
        )
        for name, value in beyond_whole_columns(section.model, document)
    )
    if problems:
        # Checked no further: such an integer may not even convert to a float (OverflowError).
        raise InvalidInput(f"the {section.noun} breaks the format's rules", problems=problems)
    try:
        record = section.record.model_validate(dict(document))
    except ValidationError as error:
        problems.extend(
            _field_problem(_api_field(problem.path), problem)
            for problem in describe_errors(error.errors(include_url=False), root=section.record)
        )
        record = None
    referenced = _referenced(section, document, session, scope)
    context = _context(section, document, referenced, settings.months, session)
    for problem in find_problems(context):
        location = problem.location or ()
        if location[:2] == (section.name, 0) and len(location) > 2:
            field = _api_field(format_path(location[2:]))
            if not any(p.field == field for p in problems):
                problems.append(_field_problem(field, problem))
    if problems or record is None:
        raise InvalidInput(f"the {section.noun} breaks the format's rules", problems=problems)
    return record, referenced


def _field_problem(field: str, problem: Problem) -> FieldProblem:
    """An instance problem as the problem of a record's field, its kind and values kept."""
    return FieldProblem(field, problem.message, kind=problem.code or "", params=problem.params)


def _api_field(path: str) -> str:
    """An instance path inside a record as the API names it (`id` is `code` there)."""
    return "code" + path[2:] if path == "id" or path.startswith("id.") else path


def _readable(statement: Select[Any], model: type[Any], scope: Scope) -> Select[Any]:
    """`statement` narrowed to the rows of `model` the caller may read."""
    section = next(s for s in SECTIONS if s.model is model)
    access = scope.access(section.name, Action.read)
    if access is Access.all:
        return statement
    if access is Access.own and section.own is not None:
        return statement.where(section.own(scope))
    return statement.where(false())


def _referenced(
    section: Section, document: Mapping[str, Any], session: Session, scope: Scope
) -> dict[str, Any]:
    """The rows the document names by code that the caller may read, by field (a field
    naming no such row is left out)."""
    referenced: dict[str, Any] = {}
    for name, model in section.references.items():
        code = document.get(name)
        if isinstance(code, str):
            statement = _readable(select(model).where(model.code == code), model, scope)
            row = session.scalars(statement).first()
            if row is not None:
                referenced[name] = row
    if section is FUNDS:
        eligible = document.get("eligible")
        codes = eligible.get("producers") if isinstance(eligible, Mapping) else None
        if isinstance(codes, list):
            wanted = [code for code in codes if isinstance(code, str)]
            statement = select(models.Producer).where(models.Producer.code.in_(wanted))
            referenced["eligible.producers"] = {
                producer.code: producer
                for producer in session.scalars(_readable(statement, models.Producer, scope))
            }
    return referenced


def _context(
    section: Section,
    document: Mapping[str, Any],
    referenced: Mapping[str, Any],
    months: int,
    session: Session,
) -> dict[str, Any]:
    """An instance holding the document and just enough of the registry for the format's
    cross-record rules to judge it: the rows it names, and for a fund the categories and
    regions its eligibility may name."""
    context: dict[str, Any] = {"months": months, section.name: [dict(document)]}
    for name in section.references:
        target = {
            models.Producer: "producers",
            models.Item: "items",
            models.Line: "lines",
            models.Grouping: "groupings",
        }[section.references[name]]
        if name in referenced:
            context.setdefault(target, []).append({"id": referenced[name].code})
    if section is FUNDS:
        categories = session.scalars(select(models.Item.category).distinct()).all()
        context["items"] = [{"id": f"_{k}", "category": c} for k, c in enumerate(categories)]
        regions = session.scalars(select(models.Producer.region).distinct()).all()
        producers = [{"id": code} for code in referenced.get("eligible.producers", {})]
        producers.extend({"id": f"_region{k}", "region": r} for k, r in enumerate(regions))
        context["producers"] = producers
    return context


def write_record(
    section: Section, row: Any, record: schema.Record, referenced: Mapping[str, Any]
) -> None:
    """Put a checked record's fields onto `row`, with the flags that keep it exact."""
    for name in type(record).model_fields:
        value = getattr(record, name)
        if name == "id":
            row.code = value
        elif name in section.references:
            setattr(row, name, referenced[name])
        elif section is PRODUCERS and name == "partners":
            row.partners = [
                models.JointVenturePartner(
                    country=p.country, share=float(p.share), share_is_int=type(p.share) is int
                )
                for p in value
            ]
        elif section is FUNDS and name in ("budget", "eligible", "expansions"):
            _write_fund_field(row, name, value, referenced)
        elif hasattr(type(row), f"{name}_is_int"):
            stored, is_int = stored_number(value)
            setattr(row, name, stored)
            setattr(row, f"{name}_is_int", is_int)
        else:
            setattr(row, name, value)
    if hasattr(type(row), "defaulted"):
        row.defaulted = defaulted_fields(record, tuple(section.nested))


def _write_fund_field(
    row: models.Fund, name: str, value: Any, referenced: Mapping[str, Any]
) -> None:
    if name == "expansions":
        row.pays_expansions = value
    elif name == "budget":
        # Update years in place: replacing rows would insert a year before deleting it.
        by_year = {budget.year: budget for budget in row.budgets}
        kept = []
        for year_text, amount in value.items():
            budget = by_year.get(int(year_text)) or models.FundBudget(year=int(year_text))
            budget.amount, budget.amount_is_int = stored_number(amount)
            kept.append(budget)
        row.budgets = kept
    else:
        producers = referenced.get("eligible.producers", {})
        rules = []
        for rule in models.EligibilityRule:
            for entry in getattr(value, rule.value):
                if rule is models.EligibilityRule.producers:
                    rules.append(models.FundEligibility(rule=rule, producer=producers[entry]))
                else:
                    rules.append(models.FundEligibility(rule=rule, value=entry))
        row.eligibility = rules
