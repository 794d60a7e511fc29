"""`kuznia users add` and `kuznia serve`."""

from __future__ import annotations

import importlib.util
import ipaddress
import sys
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from kuznia.auth import service as auth_service
from kuznia.auth.policy import normalise_email
from kuznia.auth.repository import organisation_by_name
from kuznia.cli.app import app as kuznia
from kuznia.cli.db import CLI, NOTHING_DONE, database
from kuznia.cli.demo import active_demo_users
from kuznia.db import session_scope
from kuznia.errors import KuzniaError
from kuznia.models import OrganisationKind, Role

app = typer.Typer(name="users", help="Users and their organisations.", no_args_is_help=True)
kuznia.add_typer(app, name="users")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

# The organisation a new user's organisation is made as, when it does not exist yet.
KIND_OF_ROLE = {
    Role.planner: OrganisationKind.ministry,
    Role.admin: OrganisationKind.ministry,
    Role.auditor: OrganisationKind.auditor,
    Role.producer: OrganisationKind.producer,
    Role.partner: OrganisationKind.partner,
    Role.logistics: OrganisationKind.depot,
}


@app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The user's email (their login).")],
    role: Annotated[
        Role,
        typer.Option("--role", help="planner, producer, partner, logistics, auditor or admin."),
    ],
    organisation: Annotated[
        str, typer.Option("--organisation", help="The organisation's name; made if missing.")
    ],
    producer: Annotated[
        str | None,
        typer.Option("--producer", help="For a new producer organisation: its producer's code."),
    ] = None,
    fund: Annotated[
        list[str] | None,
        typer.Option("--fund", help="For a new partner organisation: a fund code (repeatable)."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add a user (and its organisation, if new); the password is asked for, or read from stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with database() as (engine, where):
        try:
            with session_scope(engine, CLI) as session:
                existing = organisation_by_name(session=session, name=organisation)
                if existing is None:
                    auth_service.add_organisation(
                        session=session,
                        name=organisation,
                        kind=KIND_OF_ROLE[role],
                        producer=producer,
                        funds=fund or [],
                    )
                    made = f" and organisation {organisation!r} ({KIND_OF_ROLE[role].value})"
                else:
                    made = ""
                auth_service.add_user(
                    session=session,
                    email=email,
                    password=password,
                    role=role,
                    organisation=organisation,
                )
        except KuzniaError as error:
            errors.print(f"[bold red]Not added[/]: {error.detail}", highlight=False)
            for problem in error.problems:
                errors.print(f"  {problem.field}: {problem.message}", markup=False, highlight=False)
            raise typer.Exit(NOTHING_DONE) from None
    console.print(
        f"Added user {normalise_email(email)} ({role.value}){made} in {where}.", highlight=False
    )


def serve_warnings(*, engine: Engine, host: str) -> list[str]:
    """What `kuznia serve` warns about: demo users that can log in (their passwords are
    printed in the README), and listening beyond this machine."""
    warnings = []
    with session_scope(engine) as session:
        demo = active_demo_users(session=session)
    if demo:
        warnings.append(
            f"{len(demo)} demo user(s) with published passwords can log in "
            f"({', '.join(demo)}): deactivate them before real use"
        )
    if not _is_loopback(host):
        warnings.append(
            f"listening on {host}, beyond this machine: serve behind an HTTPS proxy "
            "(docs/security.md)"
        )
    return warnings


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


SQLITE_ONE_WRITER = (
    "SQLite is single-writer: every write takes the one database lock, so more server "
    "processes would only wait for each other. Serve it with --workers 1, or set "
    "KUZNIA_DATABASE_URL to PostgreSQL to serve with several processes."
)


def workers_problem(*, database_url: str, workers: int) -> str | None:
    """Why `kuznia serve` cannot run `workers` processes on this database, or None."""
    if workers > 1 and make_url(database_url).get_backend_name() == "sqlite":
        return f"--workers {workers}: {SQLITE_ONE_WRITER}"
    return None


@kuznia.command("serve")
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 8000).")] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="Server processes (PostgreSQL only; SQLite is single-writer: 1). Each keeps "
            "its own plan-run pool and remembers tokens for KUZNIA_TOKEN_CACHE_SECONDS.",
        ),
    ] = 1,
) -> None:
    """Serve the web application and the API (documentation at /api/v1/docs) on 127.0.0.1:8000 by
    default, in one process or, on PostgreSQL, `--workers N`; prints both addresses."""
    import uvicorn

    from kuznia.main import create_app
    from kuznia.settings import Settings
    from kuznia.web.assets import VENDOR, AssetMissing, vendor_file

    settings = Settings()
    problem = workers_problem(database_url=settings.database_url, workers=workers)
    if problem is not None:
        errors.print(f"[bold red]Not served[/]: {escape(problem)}", highlight=False)
        raise typer.Exit(NOTHING_DONE)
    try:
        for name in VENDOR:
            vendor_file(name)
    except AssetMissing as error:
        errors.print(f"[bold red]Not served[/]: {escape(str(error))}", highlight=False)
        raise typer.Exit(NOTHING_DONE) from None
    host = host or settings.host
    port = port or settings.port
    with database() as (engine, where):
        # reachable and migrated (else a clear message and exit); say what is risky
        for warning in serve_warnings(engine=engine, host=host):
            errors.print(f"[yellow]Warning[/]: {warning}", highlight=False)
    address = f"[{host}]" if ":" in host else host
    processes = "" if workers == 1 else f", {workers} processes"
    console.print(
        f"Kuznia on http://{address}:{port}/ (database {where}{processes})", highlight=False
    )
    console.print(f"API documentation: http://{address}:{port}/api/v1/docs", highlight=False)
    http, loop = fast_io()
    if workers == 1:
        uvicorn.run(
            create_app(settings=settings),
            host=host,
            port=port,
            log_level="info",
            http=http,
            loop=loop,
        )
    else:
        # each process builds its own application (and engine) from the environment
        uvicorn.run(
            "kuznia.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            http=http,
            loop=loop,
        )


def fast_io() -> tuple[Literal["httptools", "auto"], Literal["uvloop", "auto"]]:
    """uvicorn's HTTP parser and event loop: httptools and uvloop (the `web` extra) where they
    are installed, else uvicorn's choice (h11 and asyncio); docs/benchmarks-execution.md
    compares the two for the ledger."""
    http: Literal["httptools", "auto"] = "auto"
    loop: Literal["uvloop", "auto"] = "auto"
    if importlib.util.find_spec("httptools") is not None:
        http = "httptools"
    if importlib.util.find_spec("uvloop") is not None:
        loop = "uvloop"
    return http, loop
