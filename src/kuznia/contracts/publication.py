"""The OCDS export of the contracts and guarantees: reads them and their receipts, and hands them to the
format's writer (kuznia.io.ocds), which knows nothing of the database."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from kuznia.auth.permissions import Access, Action, Scope
from kuznia.contracts import repository as contracts_repository
from kuznia.contracts.terms import guarantee_funds
from kuznia.documents import JsonObject
from kuznia.errors import Conflict, Forbidden, NotFound
from kuznia.io.ocds import (
    Accepted,
    Export,
    Guaranteed,
    OcdsOptions,
    OcdsRegistry,
    SchemaMissing,
    build_package,
    validate_package,
)
from kuznia.models.base import as_utc
from kuznia.registry import repository as registry_repository


def published_package(
    *,
    session: Session,
    scope: Scope,
    options: OcdsOptions,
    schema_dir: Path,
    as_of: datetime,
    plan_run_id: int | None = None,
) -> JsonObject:
    """The release package of every contract and guarantee (those made from `plan_run_id`,
    when given) as of `as_of`, validated against the OCDS schema in `schema_dir`; for those
    who read every contract (planners, auditors)."""
    if scope.require("contracts", Action.read) is not Access.all:
        raise Forbidden("only planners and auditors download the whole OCDS package")
    export = export_package(session=session, options=options, as_of=as_of, plan_run_id=plan_run_id)
    if not export.contracts and not export.guarantees:
        if plan_run_id is not None:
            raise NotFound(
                f"no contracts or guarantees were made from plan run {plan_run_id}: "
                "approve it first"
            )
        raise NotFound("no contracts to publish yet: approve a plan run first")
    try:
        problems = validate_package(export.package, schema_dir=schema_dir)
    except SchemaMissing as error:
        raise Conflict(f"the OCDS package cannot be validated: {error}") from None
    if problems:
        raise Conflict(f"the OCDS package breaks the schema: {'; '.join(problems[:3])}")
    return export.package


def export_package(
    *, session: Session, options: OcdsOptions, as_of: datetime, plan_run_id: int | None = None
) -> Export:
    """Every contract and guarantee (those made from `plan_run_id`, when given) as a release,
    as of `as_of`, in one release package published then."""
    as_of = as_utc(as_of)
    registry = OcdsRegistry(
        producers=registry_repository.producer_names(session=session),
        items=registry_repository.items_by_code(session=session),
        funds=registry_repository.funds_by_code(session=session),
        depots=registry_repository.depots_by_id(session=session),
    )
    accepted: dict[int, list[Accepted]] = defaultdict(list)
    for contract_id, day, depot_id, quantity in contracts_repository.accepted_until(
        session=session, day=as_of.date()
    ):
        accepted[contract_id].append(Accepted(day, depot_id, quantity))
    guarantees = contracts_repository.every_guarantee(session=session)
    contracts = contracts_repository.every_contract_with_terms(session=session)
    if plan_run_id is not None:
        guarantees = [g for g in guarantees if g.plan_run_id == plan_run_id]
        contracts = [c for c in contracts if c.plan_run_id == plan_run_id]
    bought = contracts_repository.bought_against(
        session=session, guarantees=guarantees, as_of=as_of.date()
    )
    return build_package(
        guarantees=[
            Guaranteed(
                guarantee=g,
                funds=guarantee_funds(g),
                bought=bought[g.id],
                currency=contracts_repository.run_currency(session=session, run_id=g.plan_run_id),
            )
            for g in guarantees
        ],
        contracts=contracts,
        registry=registry,
        accepted=accepted,
        options=options,
        as_of=as_of,
    )
