"""Every query of the stored scenarios."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kuznia.models import Scenario
from kuznia.pagination import PageParams


def list_scenarios(*, session: Session, page: PageParams | None) -> tuple[Sequence[Scenario], int]:
    """A page of the scenarios, newest first, and how many there are."""
    total = session.scalar(select(func.count()).select_from(Scenario)) or 0
    statement = select(Scenario).order_by(Scenario.id.desc())
    if page is not None:
        statement = statement.limit(page.limit).offset(page.offset)
    return session.scalars(statement).all(), int(total)


def get_scenario(*, session: Session, scenario_id: int) -> Scenario | None:
    """The scenario with this id."""
    return session.get(Scenario, scenario_id)


def scenario_named(*, session: Session, name: str) -> Scenario | None:
    """The scenario of this name."""
    return session.scalars(select(Scenario).where(Scenario.name == name)).first()
