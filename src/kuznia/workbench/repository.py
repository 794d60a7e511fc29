"""Every query of the stored scenarios."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kuznia import models
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


def expected_foreign_supply(*, session: Session) -> list[tuple[str, int, float, str | None]]:
    """The registry's foreign supply in its order: item code, month, quantity, supplier
    country (None where not known)."""
    statement = (
        select(
            models.Item.code,
            models.ForeignSupply.month,
            models.ForeignSupply.quantity,
            models.ForeignSupply.supplier_country,
        )
        .join(models.Item, models.ForeignSupply.item_id == models.Item.id)
        .order_by(models.ForeignSupply.id)
    )
    return [
        (code, int(month), float(quantity), country)
        for code, month, quantity, country in session.execute(statement)
    ]


def horizon_months(*, session: Session) -> int:
    """The registry's horizon in months (0 before its settings are set)."""
    settings = session.get(models.PlanningSettings, models.SETTINGS_ID)
    return settings.months if settings is not None else 0


def supplier_countries(*, session: Session) -> list[str]:
    """The supplier countries the registry's foreign supply names, sorted."""
    statement = (
        select(models.ForeignSupply.supplier_country)
        .where(models.ForeignSupply.supplier_country.is_not(None))
        .distinct()
    )
    return sorted(str(country) for country in session.scalars(statement))
