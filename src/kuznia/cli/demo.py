"""`kuznia demo-users`: an organisation and a user for every role, to try the application.

The passwords are fixed and printed: these users are for a demo on one's own machine
(`kuznia serve` listens on 127.0.0.1), never for a real deployment. Running it again changes
nothing that exists; with `--data FILE` it first loads that instance into an empty registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth import repository as auth_repository
from kuznia.auth import service as auth_service
from kuznia.cli.db import NOTHING_DONE, database
from kuznia.db import session_scope
from kuznia.instance import InstanceError, read_instance
from kuznia.models import OrganisationKind, Role
from kuznia.registry import import_instance, registry_is_empty

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


@dataclass(frozen=True)
class DemoUser:
    role: Role
    email: str
    password: str
    organisation: str
    kind: OrganisationKind


DEMO_USERS = tuple(
    DemoUser(role, f"{role.value}@demo.kuznia", f"demo-{role.value}-2026", organisation, kind)
    for role, organisation, kind in (
        (Role.planner, "Demo ministry", OrganisationKind.ministry),
        (Role.producer, "Demo producer", OrganisationKind.producer),
        (Role.partner, "Demo partner", OrganisationKind.partner),
        (Role.logistics, "Demo depot", OrganisationKind.depot),
        (Role.auditor, "Demo audit office", OrganisationKind.auditor),
        (Role.admin, "Demo ministry", OrganisationKind.ministry),
    )
)


def _first_producer(session: Session) -> str | None:
    return session.scalar(select(models.Producer.code).order_by(models.Producer.id).limit(1))


def _partner_fund(session: Session) -> str | None:
    """The first partner fund, else the first fund: what the demo partner pays with."""
    for condition in (models.Fund.kind == "partner", models.Fund.id.is_not(None)):
        code = session.scalar(
            select(models.Fund.code).where(condition).order_by(models.Fund.id).limit(1)
        )
        if code is not None:
            return code
    return None


def add_demo_users(*, session: Session) -> list[tuple[DemoUser, bool, str]]:
    """Create the demo organisations and users that are missing; for each user, whether it
    was added now, and what its organisation stands for (a producer's or a fund's code)."""
    producer, fund = _first_producer(session), _partner_fund(session)
    if producer is None or fund is None:
        raise ValueError(
            "the registry has no producer or no fund: load data first (kuznia import FILE "
            "or --data FILE)"
        )
    done = []
    for user in DEMO_USERS:
        linked = producer if user.kind is OrganisationKind.producer else ""
        linked = fund if user.kind is OrganisationKind.partner else linked
        if auth_repository.organisation_by_name(session=session, name=user.organisation) is None:
            auth_service.add_organisation(
                session=session,
                name=user.organisation,
                kind=user.kind,
                producer=producer if user.kind is OrganisationKind.producer else None,
                funds=[fund] if user.kind is OrganisationKind.partner else [],
            )
        added = auth_repository.user_by_email(session=session, email=user.email) is None
        if added:
            auth_service.add_user(
                session=session,
                email=user.email,
                password=user.password,
                role=user.role,
                organisation=user.organisation,
            )
        done.append((user, added, linked))
    return done


def _print_logins(rows: list[tuple[DemoUser, bool | None, str]], url: str) -> None:
    """One line per login, not a table: a table would cut emails short in a narrow log."""
    console.print("Demo logins (for trying Kuznia on this machine only):", highlight=False)
    for user, added, linked in rows:
        note = {True: "  [added]", False: "", None: ""}[added]
        organisation = user.organisation + (f", {linked}" if linked else "")
        console.print(
            f"  {user.role.value:<10} {user.email:<24} password {user.password:<21} "
            f"({organisation}){note}",
            highlight=False,
            markup=False,
        )
    console.print(f"Open {url} and log in with one of them.", highlight=False)


def demo_users(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="An instance file to load first if the registry is empty."),
    ] = None,
    show: Annotated[
        bool, typer.Option("--show", help="Only print the demo logins; touch no database.")
    ] = False,
    url: Annotated[
        str, typer.Option("--url", help="Where the application is served, to print.")
    ] = "http://127.0.0.1:8000/",
) -> None:
    """Create an organisation and a user for every role (planner, producer, partner,
    logistics, auditor, admin) and print their logins; running it again changes nothing."""
    if show:
        _print_logins([(user, None, "") for user in DEMO_USERS], url)
        return
    with database() as (engine, where), session_scope(engine) as session:
        if data is not None and registry_is_empty(session=session):
            try:
                import_instance(session=session, instance=read_instance(data))
            except InstanceError as error:
                errors.print(f"[bold red]Invalid instance file {data}[/]: {error}")
                raise typer.Exit(NOTHING_DONE) from None
            console.print(f"Loaded {data} into {where}.", highlight=False)
        try:
            rows = add_demo_users(session=session)
        except ValueError as error:
            errors.print(f"[bold red]No demo users[/]: {error}", highlight=False)
            raise typer.Exit(NOTHING_DONE) from None
    _print_logins([(user, added, linked) for user, added, linked in rows], url)
