"""Every query of the registry's sections, scoped by the caller: a role with `own` access gets
only its organisation's rows, here, whatever route asked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from kuznia import models
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.errors import NotFound
from kuznia.instance import parse_stored
from kuznia.pagination import PageParams, paginate
from kuznia.registry.schemas import RecordFilters
from kuznia.registry.sections import FUNDS, PRODUCERS, Section


def _loads(section: Section) -> list[LoaderOption]:
    """What reading a record needs loaded with it, in a few queries rather than one per row."""
    options: list[LoaderOption] = [
        selectinload(getattr(section.model, name)) for name in section.references
    ]
    if section is PRODUCERS:
        options.append(selectinload(models.Producer.partners))
    if section is FUNDS:
        options.append(selectinload(models.Fund.budgets))
        options.append(
            selectinload(models.Fund.eligibility).selectinload(models.FundEligibility.producer)
        )
    return options


def scoped(*, section: Section, scope: Scope, action: Action) -> Select[Any]:
    """The section's rows this caller reaches for `action` (raises Forbidden without access)."""
    access = scope.require(section.name, action)
    statement = select(section.model).options(*_loads(section)).order_by(section.model.id)
    if access is Access.own:
        statement = statement.where(section.own(scope) if section.own else false())
    return statement


def list_rows(
    *,
    session: Session,
    section: Section,
    scope: Scope,
    filters: RecordFilters,
    page: PageParams,
) -> tuple[Sequence[Any], int]:
    """A page of the rows the caller may read, filtered, in id order, and the total."""
    statement = scoped(section=section, scope=scope, action=Action.read)
    for name, value in filters.given().items():
        statement = statement.where(section.filters[name].condition(value))
    return paginate(session=session, statement=statement, page=page)


def get_row(
    *, session: Session, section: Section, scope: Scope, record_id: int, action: Action
) -> Any:
    """The row with this id if the caller reaches it for `action`; NotFound otherwise (a row
    of another organisation looks exactly like one that does not exist)."""
    statement = scoped(section=section, scope=scope, action=action).where(
        section.model.id == record_id
    )
    row = session.scalars(statement).first()
    if row is None:
        raise NotFound(f"{section.noun} {record_id} not found")
    return row


def code_taken(*, session: Session, section: Section, code: str, other_than: int | None) -> bool:
    """Whether another row of the section has this code (codes are unique per section)."""
    statement = select(section.model.id).where(section.model.code == code)
    if other_than is not None:
        statement = statement.where(section.model.id != other_than)
    return session.scalars(statement).first() is not None


def stock_of_item_exists(*, session: Session, item_id: int, other_than: int | None) -> bool:
    """Whether the item already has a stock row (one per item)."""
    statement = select(models.Stock.id).where(models.Stock.item_id == item_id)
    if other_than is not None:
        statement = statement.where(models.Stock.id != other_than)
    return session.scalars(statement).first() is not None


def producer_of_line(*, session: Session, line_id: int) -> int | None:
    """The producer a line belongs to."""
    return session.scalar(select(models.Line.producer_id).where(models.Line.id == line_id))


def producer_names(*, session: Session) -> dict[str, str]:
    """Every producer's name by its code."""
    return {
        code: name
        for code, name in session.execute(select(models.Producer.code, models.Producer.name))
    }


def items_by_code(*, session: Session) -> dict[str, models.Item]:
    """Every item by its code."""
    return {item.code: item for item in session.scalars(select(models.Item))}


def funds_by_code(*, session: Session) -> dict[str, models.Fund]:
    """Every fund by its code."""
    return {fund.code: fund for fund in session.scalars(select(models.Fund))}


def depots_by_id(*, session: Session) -> dict[int, models.Depot]:
    """Every depot by its id."""
    return {depot.id: depot for depot in session.scalars(select(models.Depot))}


def first_producer_code(*, session: Session) -> str | None:
    """The code of the producer entered first, or None without producers."""
    return session.scalar(select(models.Producer.code).order_by(models.Producer.id).limit(1))


def first_fund_code(*, session: Session, kind: str | None = None) -> str | None:
    """The code of the fund (of `kind`, when given) entered first, or None."""
    statement = select(models.Fund.code).order_by(models.Fund.id).limit(1)
    if kind is not None:
        statement = statement.where(models.Fund.kind == kind)
    return session.scalar(statement)


# How many of the records that refer to a line or an expansion a refusal names.
REFERENCES_SHOWN = 5
ACTIVE = (models.PlanRunStatus.queued, models.PlanRunStatus.running)


def _first(session: Session, statement: Select[Any]) -> list[str]:
    """The first few values `statement` selects, as text."""
    return [str(value) for value in session.scalars(statement.limit(REFERENCES_SHOWN))]


def line_references(*, session: Session, line: models.Line) -> dict[str, list[str]]:
    """What refers to `line` and would be left pointing at nothing were it deleted, by kind
    (`expansions`, `commitments`, `contracts`, `guarantees`, `active_plan_runs`: runs queued
    or running with it in their input, `plan_runs`: runs that deliver from it), each with the
    first few codes, numbers or ids; kinds with none are left out."""
    delivery = models.PlanRunDelivery
    found = {
        "expansions": _first(
            session,
            select(models.Expansion.code)
            .where(models.Expansion.line_id == line.id)
            .order_by(models.Expansion.id),
        ),
        "commitments": _first(
            session,
            select(models.Commitment.id)
            .where(models.Commitment.line_id == line.id)
            .order_by(models.Commitment.id),
        ),
        "contracts": _first(
            session,
            select(models.Contract.number)
            .where(models.Contract.line == line.code)
            .order_by(models.Contract.id),
        ),
        "guarantees": _first(
            session,
            select(models.Guarantee.number)
            .where(models.Guarantee.line == line.code)
            .order_by(models.Guarantee.id),
        ),
        "active_plan_runs": active_runs_with(session=session, kind="lines", code=line.code),
        "plan_runs": _first(
            session,
            select(delivery.run_id)
            .where(delivery.line == line.code, delivery.quantity > 0)
            .distinct()
            .order_by(delivery.run_id),
        ),
    }
    return {kind: codes for kind, codes in found.items() if codes}


def expansion_references(*, session: Session, expansion: models.Expansion) -> dict[str, list[str]]:
    """The plan runs that chose `expansion` (at any level above 0), as `line_references`."""
    chosen = models.PlanRunExpansion
    found = {
        "active_plan_runs": active_runs_with(
            session=session, kind="expansions", code=expansion.code
        ),
        "plan_runs": _first(
            session,
            select(chosen.run_id)
            .where(chosen.expansion == expansion.code, chosen.level > 0)
            .distinct()
            .order_by(chosen.run_id),
        ),
    }
    return {kind: ids for kind, ids in found.items() if ids}


def active_runs_with(
    *, session: Session, kind: Literal["lines", "expansions"], code: str
) -> list[str]:
    """The ids of the plan runs queued or running whose input (the registry as it was when
    each was asked for) holds the `kind` record `code`: they will deliver from it or choose
    it, so it must outlive them."""
    found = [
        str(run_id)
        for run_id, lines, expansions in active_run_inputs(session=session)
        if code in (lines if kind == "lines" else expansions)
    ]
    return found[:REFERENCES_SHOWN]


def active_run_inputs(*, session: Session) -> list[tuple[int, set[str], set[str]]]:
    """Each plan run queued or running, with the codes of the lines and of the expansions
    in its input, by run id (inputs read by `parse_stored`, which remembers the last few)."""
    runs = session.execute(
        select(models.PlanRun.id, models.PlanRun.instance)
        .where(models.PlanRun.status.in_(ACTIVE))
        .order_by(models.PlanRun.id)
    )
    found = []
    for run_id, text in runs:
        instance = parse_stored(text)
        lines = {record.id for record in instance.lines}
        expansions = {record.id for record in instance.expansions}
        found.append((run_id, lines, expansions))
    return found
