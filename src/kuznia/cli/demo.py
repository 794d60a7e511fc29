"""`kuznia demo-users`: an organisation and a user for every role, to try the application.

The passwords are fixed and printed: these users are for a demo on one's own machine
(`kuznia serve` listens on 127.0.0.1), never for a real deployment. Running it again changes
nothing that exists; with `--data FILE` it first loads that instance into an empty registry.

With `--execution`, and only while the registry has no contracts, it also gives the execution
pages something to show, made the way people would make it and so recorded in the audit
chain: two depots run by the demo depot organisation; a plan solved here and now, approved
(its first three months firm) and its contracts signed by the demo planner; and the last few
days' receipts (some rejected, with a reason), production reports and dispatches recorded by
the demo depot's and producer's users through the logistics service; and two or three
national targets (artillery ammunition x20 of the first month by month 12, armoured vehicles
x5 in ten months, the delivered item's schedule this month; a registry with contracts but no
targets, made before targets existed, gets them too). Running it again adds nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.audit.chain import Actor, set_actor
from kuznia.auth import repository as auth_repository
from kuznia.auth import service as auth_service
from kuznia.auth.permissions import Scope
from kuznia.cli.app import app as kuznia
from kuznia.cli.db import NOTHING_DONE, database
from kuznia.contracts import service as contracts_service
from kuznia.contracts.schemas import AgreementFilters, AmendmentRequest, ContractRead, DeliveryTerms
from kuznia.db import session_scope
from kuznia.errors import KuzniaError
from kuznia.instance import InstanceError, read_instance
from kuznia.instance.months import add_months, month_of
from kuznia.logistics import service as logistics_service
from kuznia.logistics.schemas import (
    DepotCreate,
    DispatchCreate,
    ProductionReportCreate,
    ReceiptCreate,
)
from kuznia.models import OrganisationKind, Role
from kuznia.pagination import PageParams
from kuznia.plans import service as plans_service
from kuznia.plans.schemas import PlanRunCreate
from kuznia.plans.worker import claim_next, solve_run
from kuznia.registry import import_instance, registry_is_empty
from kuznia.registry import repository as registry_repository
from kuznia.registry import service as registry_service
from kuznia.registry import settings as registry_settings
from kuznia.registry.schemas import RecordFilters
from kuznia.registry.sections import GROUPINGS
from kuznia.targets import service as targets_service
from kuznia.targets import workbook as targets_workbook
from kuznia.targets.schemas import TargetCreate, TargetFilters

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


def active_demo_users(*, session: Session) -> list[str]:
    """The e-mails of the demo users that exist and may log in."""
    emails = [user.email for user in DEMO_USERS]
    return auth_repository.active_emails_among(session=session, emails=emails)


def _first_producer(session: Session) -> str | None:
    return registry_repository.first_producer_code(session=session)


def _partner_fund(session: Session) -> str | None:
    """The first partner fund, else the first fund: what the demo partner pays with."""
    return registry_repository.first_fund_code(
        session=session, kind="partner"
    ) or registry_repository.first_fund_code(session=session)


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


# --- the execution demo ------------------------------------------------------------------------

# The demo depot organisation's depots: (code, name, region).
DEMO_DEPOTS = (("d-01", "Demo depot North", "north"), ("d-02", "Demo depot South", "south"))
# Months of the plan that become contracts; the rest become guarantees.
DEMO_FIRM_MONTHS = 3
# Days of receipts and dispatches recorded, ending today.
DEMO_DAYS = 4
# Contracts delivered in the demo: the first fully (and completed), the others in part.
DEMO_CONTRACTS = 6
# A safety net for a slow machine: the national plan solves in 10-30 s; at this limit the
# solve stops with the plan of its last finished stage, which approves as well.
DEMO_TIME_LIMIT = 120.0
REJECTIONS = ("packaging damaged in transit", "failed the acceptance test: fuses out of tolerance")
PER_PAGE = 1000


@dataclass
class ExecutionDemo:
    """What `add_demo_execution` did (all zero and a `skipped` reason when it did nothing)."""

    depots: list[str] = field(default_factory=list)
    plan_run_id: int | None = None
    solve_seconds: float = 0.0
    contracts: int = 0
    guarantees: int = 0
    completed: list[str] = field(default_factory=list)
    receipts: int = 0
    rejections: int = 0
    production_reports: int = 0
    dispatches: int = 0
    days: tuple[date, date] | None = None
    targets: list[str] = field(default_factory=list)
    skipped: str | None = None


def _scope_of(session: Session, user: DemoUser) -> Scope:
    """The demo user's scope (as a login would make it), and its writes recorded as its own."""
    found = auth_repository.user_by_email(session=session, email=user.email)
    if found is None:
        raise ValueError(f"the demo user {user.email} is missing: add the demo users first")
    organisation = found.organisation
    set_actor(session, Actor(name=found.email, user_id=found.id))
    return Scope(
        user_id=found.id,
        role=found.role,
        organisation_id=organisation.id,
        producer_id=organisation.producer_id,
        fund_ids=frozenset(fund.id for fund in organisation.funds),
        depot_ids=frozenset(
            auth_repository.depot_ids(session=session, organisation_id=organisation.id)
        ),
    )


def _demo_user(role: Role) -> DemoUser:
    return next(user for user in DEMO_USERS if user.role is role)


def _all_contracts(session: Session, scope: Scope, *, status: str) -> list[ContractRead]:
    found: list[ContractRead] = []
    while True:
        rows, total = contracts_service.list_contracts(
            session=session,
            scope=scope,
            filters=AgreementFilters(status=status),
            page=PageParams(limit=PER_PAGE, offset=len(found)),
        )
        found.extend(rows)
        if not rows or len(found) >= total:
            return found


def add_demo_execution(
    *,
    engine: Engine,
    today: date | None = None,
    time_limit: float | None = DEMO_TIME_LIMIT,
    say: Callable[[str], None] | None = None,
) -> ExecutionDemo:
    """Depots, an approved and signed plan, and a few days of the ledger, while the registry
    has no contracts (see the module's docstring); what was made. Needs the demo users."""
    tell = say or (lambda _message: None)
    done = ExecutionDemo()
    today = today or datetime.now(UTC).date()
    planner, depot_user = _demo_user(Role.planner), _demo_user(Role.logistics)
    with session_scope(engine) as session:
        scope = _scope_of(session, planner)
        organisation = auth_repository.organisation_by_name(
            session=session, name=depot_user.organisation
        )
        if organisation is None:
            raise ValueError("the demo depot organisation is missing: add the demo users first")
        organisation_id = organisation.id
        _, existing = contracts_service.list_contracts(
            session=session,
            scope=scope,
            filters=AgreementFilters(),
            page=PageParams(limit=1, offset=0),
        )
        if existing:
            done.skipped = f"the registry has {existing} contracts already"
    if done.skipped:
        # a demo database made before targets existed gets them once
        _add_targets(engine, done, today)
        return done
    with session_scope(engine) as session:
        scope = _scope_of(session, planner)
        for code, name, region in DEMO_DEPOTS:
            depots, _ = logistics_service.list_depots(
                session=session, scope=scope, filters={"code": code}, page=PageParams()
            )
            if not depots:
                logistics_service.create_depot(
                    session=session,
                    scope=scope,
                    body=DepotCreate(
                        code=code, name=name, region=region, organisation_id=organisation_id
                    ),
                )
                done.depots.append(code)
        run = plans_service.start_run(
            session=session,
            scope=scope,
            body=PlanRunCreate(mode="lp", time_limit=time_limit),
        )
        done.plan_run_id = run_id = run.id
    tell(f"Solving plan {run_id} for the execution demo (the national data takes 10-30 s)...")
    began = time.perf_counter()
    while (claimed := claim_next(engine=engine)) is not None:
        solve_run(engine=engine, run_id=claimed)
        if claimed == run_id:
            break
    done.solve_seconds = time.perf_counter() - began
    with session_scope(engine) as session:
        scope = _scope_of(session, planner)
        try:
            approval = contracts_service.approve_run(
                session=session, scope=scope, run_id=run_id, firm_months=DEMO_FIRM_MONTHS
            )
        except KuzniaError as error:
            done.skipped = f"plan {run_id} could not be approved: {error.detail}"
            return done
        for contract in approval.contracts:
            contracts_service.sign_contract(
                session=session, scope=scope, contract_id=contract.id, version=1
            )
        done.contracts, done.guarantees = len(approval.contracts), len(approval.guarantees)
    tell(f"Approved plan {run_id}: {done.contracts} contracts signed; recording the ledger...")
    _record_days(engine, done, today)
    _add_targets(engine, done, today)
    return done


def _add_targets(engine: Engine, done: ExecutionDemo, today: date) -> None:
    """National targets for the overview and the targets page: artillery ammunition x20 of
    the plan's first month by its twelfth, armoured vehicles x5 in ten months, and this
    month's schedule of the item delivered in full (on track), each where the registry has it."""
    with session_scope(engine) as session:
        scope = _scope_of(session, _demo_user(Role.planner))
        if targets_service.list_targets(session=session, scope=scope, filters=TargetFilters())[1]:
            return
        start = registry_settings.get_settings(session=session, scope=scope).start
        this_month = month_of(today)
        wanted = [
            TargetCreate(category="artillery_ammunition", period=add_months(start, 11),
                         multiple=20, base_month=start, note="x20 of the first month by month 12"),
            TargetCreate(category="armoured_vehicles", period=add_months(start, 10),
                         multiple=5, base_month=start, note="x5 in ten months"),
        ]  # fmt: skip
        completed = _all_contracts(session, scope, status="completed")
        if completed:
            contract = completed[0]
            scheduled = sum(
                float(row.quantity) for row in contract.terms.deliveries if row.month == this_month
            )
            category = targets_service.categories(session=session, scope=scope)
            of_item = next((c for c, items in category.items() if contract.item in items), None)
            if scheduled > 0 and of_item is not None:
                wanted.append(
                    TargetCreate(category=of_item, item=contract.item, period=this_month,
                                 quantity=scheduled, base_month=add_months(this_month, -1),
                                 note=f"{contract.number}'s schedule this month")
                )  # fmt: skip
        for body in wanted:
            try:
                made = targets_service.create_target(session=session, scope=scope, body=body)
            except KuzniaError:
                continue  # a category this registry does not have
            done.targets.append(targets_workbook.target_label(made))


def _chosen_contracts(session: Session, scope: Scope) -> list[ContractRead]:
    """The contracts the demo delivers: one of the demo producer's, one the demo partner's
    fund pays, then one of each further item, up to DEMO_CONTRACTS."""
    contracts = _all_contracts(session, scope, status="signed")
    producer, fund = _first_producer(session), _partner_fund(session)
    chosen: list[ContractRead] = []
    for wanted in (
        lambda c: c.producer == producer,
        lambda c: any(row.fund == fund for row in c.terms.funding),
    ):
        found = next((c for c in contracts if wanted(c) and c not in chosen), None)
        if found is not None:
            chosen.append(found)
    items = {c.item for c in chosen}
    for contract in contracts:
        if len(chosen) >= DEMO_CONTRACTS:
            break
        if contract.item not in items:
            chosen.append(contract)
            items.add(contract.item)
    return chosen


def _record_days(engine: Engine, done: ExecutionDemo, today: date) -> None:
    """DEMO_DAYS days ending today under the chosen contracts, first moved by an amendment to
    a schedule around today (the synthetic plan starts in January 2026): receipts at the demo
    depots (the first contract delivered in full, then completed; some receipts partly
    rejected, with a reason), the demo producer's production reports, and dispatches of most
    of what was accepted to the groupings."""
    days = [today - timedelta(days=back) for back in range(DEMO_DAYS - 1, -1, -1)]
    done.days = (days[0], days[-1])
    with session_scope(engine) as session:
        scope = _scope_of(session, _demo_user(Role.planner))
        chosen = _chosen_contracts(session, scope)
        groupings = [
            g.model_dump()["code"]
            for g in registry_service.list_records(
                session=session,
                section=GROUPINGS,
                scope=scope,
                filters=RecordFilters(),
                page=PageParams(),
            )[0]
        ]
        for contract in chosen:
            _reschedule(session, scope, contract, today)
        producer = _first_producer(session)
    if not chosen or not groupings:
        return
    depot_codes = [code for code, _, _ in DEMO_DEPOTS]
    delivered = 0
    for index, day in enumerate(days):
        arriving: list[int] = []
        for number, contract in enumerate(chosen):
            if number == 0 and index == DEMO_DAYS - 1:
                # the last day brings what is left: the first contract is delivered in full
                arriving.append(round(float(contract.terms.quantity)) - delivered)
            else:
                share = 1 / DEMO_DAYS if number == 0 else 0.08 + 0.03 * number
                arriving.append(_share(contract, share))
        delivered += arriving[0]
        with session_scope(engine) as session:
            maker = _scope_of(session, _demo_user(Role.producer))
            for number, contract in enumerate(chosen):
                if contract.producer == producer:
                    logistics_service.record_production(
                        session=session,
                        scope=maker,
                        body=ProductionReportCreate(
                            client_key=f"demo-{day.isoformat()}-production-{contract.id}",
                            contract_id=contract.id,
                            day=day,
                            quantity=arriving[number],
                            lot=f"L{day:%m%d}-{contract.id}",
                        ),
                    )
                    done.production_reports += 1
            staff = _scope_of(session, _demo_user(Role.logistics))
            for number, contract in enumerate(chosen):
                depot = depot_codes[number % len(depot_codes)]
                received = arriving[number]
                rejected = 0
                if number > 0 and (index + number) % 5 == 3:
                    rejected = max(1, round(received * 0.05))
                    done.rejections += 1
                logistics_service.record_receipt(
                    session=session,
                    scope=staff,
                    body=ReceiptCreate(
                        client_key=f"demo-{day.isoformat()}-receipt-{contract.id}",
                        depot=depot,
                        contract_id=contract.id,
                        day=day,
                        lot=f"L{day:%m%d}-{contract.id}",
                        received=received,
                        accepted=received - rejected,
                        rejected=rejected,
                        reason=REJECTIONS[(index + number) % 2] if rejected else "",
                    ),
                )
                done.receipts += 1
                sent = round((received - rejected) * 0.6)
                if sent > 0:
                    logistics_service.record_dispatch(
                        session=session,
                        scope=staff,
                        body=DispatchCreate(
                            client_key=f"demo-{day.isoformat()}-dispatch-{contract.id}",
                            depot=depot,
                            item=contract.item,
                            grouping=groupings[(index + number) % len(groupings)],
                            day=day,
                            quantity=sent,
                            note="demo convoy",
                        ),
                    )
                    done.dispatches += 1
    with session_scope(engine) as session:
        scope = _scope_of(session, _demo_user(Role.planner))
        first = contracts_service.get_contract(
            session=session, scope=scope, contract_id=chosen[0].id
        )
        if first.status is models.ContractStatus.in_delivery:
            contracts_service.complete_contract(
                session=session, scope=scope, contract_id=first.id, version=first.version
            )
            done.completed.append(first.number)


def _reschedule(session: Session, scope: Scope, contract: ContractRead, today: date) -> None:
    """Amend a contract to deliver its quantity over the month before today's, today's and
    the next, at its first price (its funding rescaled by the service)."""
    this_month = month_of(today)
    months = [add_months(this_month, step) for step in (-1, 0, 1)]
    total = float(contract.terms.quantity)
    each = round(total / len(months))
    quantities = [float(each), float(each), total - 2 * each]
    if quantities[-1] <= 0:
        quantities = [0.0, 0.0, total]
    price = float(contract.terms.deliveries[0].price)
    contracts_service.amend_contract(
        session=session,
        scope=scope,
        contract_id=contract.id,
        body=AmendmentRequest(
            version=contract.version,
            reason=f"deliveries moved to {months[0]} to {months[-1]}: the line started late",
            deliveries=[
                DeliveryTerms(month=month, quantity=quantity, price=price)
                for month, quantity in zip(months, quantities, strict=True)
            ],
        ),
    )


def _share(contract: ContractRead, share: float) -> int:
    """A whole number of units, at least one: `share` of the contract's quantity."""
    return max(1, round(float(contract.terms.quantity) * share))


def served_url() -> str:
    """The web application's address `kuznia serve` would listen on (KUZNIA_HOST, KUZNIA_PORT)."""
    from kuznia.settings import Settings

    settings = Settings()
    return f"http://{settings.host}:{settings.port}/"


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


@kuznia.command("demo-users")
def demo_users(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="An instance file to load first if the registry is empty."),
    ] = None,
    show: Annotated[
        bool, typer.Option("--show", help="Only print the demo logins; touch no database.")
    ] = False,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="Where the application is served, to print (default: `kuznia serve`'s "
            "address, KUZNIA_HOST and KUZNIA_PORT).",
        ),
    ] = None,
    execution: Annotated[
        bool,
        typer.Option(
            "--execution",
            help="While there are no contracts: depots, a plan solved, approved and signed, "
            "and a few days of receipts and dispatches, for the execution pages.",
        ),
    ] = False,
    time_limit: Annotated[
        float,
        typer.Option("--time-limit", min=1, help="Seconds the --execution plan may solve."),
    ] = DEMO_TIME_LIMIT,
) -> None:
    """Create an organisation and a user for every role (planner, producer, partner,
    logistics, auditor, admin) and print their logins; running it again changes nothing."""
    url = url or served_url()
    if show:
        _print_logins([(user, None, "") for user in DEMO_USERS], url)
        return
    with database() as (engine, where):
        with session_scope(engine) as session:
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
        if execution:
            began = time.perf_counter()
            outcome = add_demo_execution(
                engine=engine,
                time_limit=time_limit,
                say=lambda message: console.print(message, highlight=False),
            )
            _print_execution(outcome, time.perf_counter() - began)
    _print_logins([(user, added, linked) for user, added, linked in rows], url)


def _print_execution(outcome: ExecutionDemo, seconds: float) -> None:
    if outcome.skipped:
        console.print(f"Execution demo: nothing added ({outcome.skipped}).", highlight=False)
        if outcome.targets:
            console.print(f"Targets added: {'; '.join(outcome.targets)}.", highlight=False)
        return
    first, last = outcome.days or (None, None)
    console.print(
        f"Execution demo ({seconds:.0f} s, of which the solve {outcome.solve_seconds:.0f} s): "
        f"depots {', '.join(code for code, _, _ in DEMO_DEPOTS)}; plan {outcome.plan_run_id} "
        f"approved, {outcome.contracts} contracts signed and {outcome.guarantees} guarantees; "
        f"{outcome.receipts} receipts ({outcome.rejections} with rejections), "
        f"{outcome.production_reports} production reports and {outcome.dispatches} dispatches "
        f"from {first} to {last}"
        + (f"; {', '.join(outcome.completed)} completed" if outcome.completed else "")
        + (f"; targets: {'; '.join(outcome.targets)}" if outcome.targets else "")
        + ".",
        highlight=False,
    )
