"""The OCDS export of the contracts and guarantees: reads them and their receipts, and hands them to the
format's writer (kuznia.io.ocds), which knows nothing of the database."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from kuznia.contracts import repository as contracts_repository
from kuznia.contracts.terms import guarantee_funds
from kuznia.io.ocds import (
    Accepted,
    Export,
    Guaranteed,
    OcdsOptions,
    OcdsRegistry,
    build_package,
)
from kuznia.models.base import as_utc
from kuznia.registry import repository as registry_repository


def export_package(*, session: Session, options: OcdsOptions, as_of: datetime) -> Export:
    """Every contract and guarantee as a release, as of `as_of`, in one release package
    published then."""
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
        contracts=contracts_repository.every_contract_with_terms(session=session),
        registry=registry,
        accepted=accepted,
        options=options,
        as_of=as_of,
    )
