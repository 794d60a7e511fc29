"""Commands for the database: `kuznia db upgrade`, `kuznia import FILE` (an instance file or a
registry workbook), `kuznia export instance` and `kuznia export excel`.

The database is the one `KUZNIA_DATABASE_URL` names (default: an SQLite file in the user's
data directory). Exit codes: 0 done; 1 the database cannot be reached; 2 nothing was done
because of a problem to fix first (an invalid instance file or workbook, a registry that is not
empty or is empty, a database not migrated yet).
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError

from kuznia.audit import Actor
from kuznia.cli.app import app as kuznia
from kuznia.cli.app import export_app
from kuznia.db import database_engine, session_scope
from kuznia.db.migrate import current_revision, head_revision
from kuznia.db.migrate import upgrade as run_upgrade
from kuznia.instance import Instance, InstanceError, read_instance, write_instance
from kuznia.io.workbook import (
    RegistryWorkbook,
    WorkbookError,
    read_registry,
    write_registry_workbook,
)
from kuznia.registry import (
    RegistryEmptyError,
    RegistryNotEmptyError,
    export_instance,
    export_supplier_countries,
    import_instance,
)
from kuznia.settings import Settings

DATABASE_UNAVAILABLE = 1
# The author of the command line's writes in the audit chain.
CLI = Actor(name=f"cli:{getpass.getuser()}")
NOTHING_DONE = 2

app = typer.Typer(
    name="db",
    help="The database: create it or migrate it to the newest schema.",
    no_args_is_help=True,
    add_completion=False,
)
kuznia.add_typer(app, name="db", help="The database: migrations.")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


@app.command()
def upgrade() -> None:
    """Create the database's tables, or migrate them to the newest schema."""
    with database(migrated=False) as (engine, where):
        before = current_revision(engine=engine)
        run_upgrade(engine=engine)
        after = current_revision(engine=engine)
    if before == after:
        console.print(f"Database {where} is up to date (revision {after}).")
    else:
        console.print(f"Database {where} migrated from revision {before or 'none'} to {after}.")


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


@kuznia.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="Instance file (kuznia-instance/1, .json) or registry workbook (.xlsx, as "
            "`kuznia export excel` writes it)."
        ),
    ],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Delete what the registry holds and load the file."),
    ] = False,
) -> None:
    """Load an instance file or a registry workbook into the database's registry, all or
    nothing; every problem is reported (a workbook's by sheet, row and column).

    Refuses a registry that already holds data unless --replace is given.
    """
    began = time.perf_counter()
    registry = _read_registry_file(file)
    instance = registry.instance
    with database() as (engine, where):
        try:
            with session_scope(engine, CLI) as session:
                report = import_instance(
                    session=session,
                    instance=instance,
                    replace=replace,
                    supplier_countries=registry.supplier_countries,
                )
        except InstanceError as error:
            _invalid_instance(error, f"Invalid instance file {file}")
        except RegistryNotEmptyError:
            errors.print(
                f"[bold red]Not imported[/]: the database {where} already holds a registry. "
                "Use --replace to replace it with the file.",
                highlight=False,
            )
            raise typer.Exit(NOTHING_DONE) from None
    counts = report.counts
    console.print(
        f"Imported [bold]{instance.name}[/] from {file} into {where}: {counts['items']} items, "
        f"{counts['producers']} producers, {counts['lines']} lines, {counts['needs']} needs, "
        f"{counts['funds']} funds ({time.perf_counter() - began:.1f} s).",
        highlight=False,
    )
    if report.unlinked_organisations:
        errors.print(
            "[yellow]Warning[/]: these organisations lost their link to a producer or fund "
            f"that the file no longer has: {', '.join(report.unlinked_organisations)}",
            highlight=False,
        )


@export_app.command("excel")
def export_excel_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="Workbook to write (.xlsx).")],
    template: Annotated[
        bool,
        typer.Option(
            "--template",
            help="Write the empty template (the registry's start and months, no records).",
        ),
    ] = False,
) -> None:
    """Write the registry as a workbook people can fill in and import again: one sheet per
    kind of record, and a Notes sheet explaining every column. An empty registry gives the
    empty template."""
    began = time.perf_counter()
    if output.suffix.lower() != ".xlsx":
        errors.print(
            f"[bold red]Not written[/]: {output} must end in .xlsx (Excel opens a workbook by "
            "its name).",
            highlight=False,
        )
        raise typer.Exit(NOTHING_DONE)
    countries: list[str | None] = []
    with database() as (engine, where):
        try:
            with session_scope(engine, CLI) as session:
                instance: Instance | None = export_instance(session=session)
                countries = export_supplier_countries(session=session)
        except RegistryEmptyError:
            instance = None
        except InstanceError as error:
            _invalid_instance(error, f"The registry in {where} is not a valid instance")
    if template and instance is not None:
        write_registry_workbook(
            None, output, start_hint=instance.start, months_hint=instance.months
        )
    else:
        write_registry_workbook(instance, output, supplier_countries=countries)
    seconds = time.perf_counter() - began
    if instance is None or template:
        empty = " (the registry is empty)" if instance is None else ""
        console.print(
            f"Wrote the empty template [bold]{output}[/]{empty}: fill it in and load it with "
            f"`kuznia import {output}` ({seconds:.1f} s).",
            highlight=False,
        )
    else:
        console.print(
            f"Wrote [bold]{output}[/] from {where}: {len(instance.lines)} lines, "
            f"{len(instance.needs)} needs ({seconds:.1f} s).",
            highlight=False,
        )


@export_app.command("instance")
def export_instance_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="Instance file to write (JSON).")],
) -> None:
    """Write the database's registry as an instance file (kuznia-instance/1)."""
    began = time.perf_counter()
    with database() as (engine, where):
        try:
            with session_scope(engine, CLI) as session:
                instance = export_instance(session=session)
        except RegistryEmptyError:
            errors.print(
                f"[bold red]Nothing to export[/]: the database {where} holds no registry yet. "
                "Load one with `kuznia import FILE`.",
                highlight=False,
            )
            raise typer.Exit(NOTHING_DONE) from None
        except InstanceError as error:
            _invalid_instance(error, f"The registry in {where} is not a valid instance")
    output.parent.mkdir(parents=True, exist_ok=True)
    write_instance(instance, output)
    console.print(
        f"Wrote [bold]{output}[/] from {where}: {len(instance.lines)} lines, "
        f"{len(instance.needs)} needs ({time.perf_counter() - began:.1f} s).",
        highlight=False,
    )


@contextmanager
def database(*, migrated: bool = True) -> Iterator[tuple[Engine, str]]:
    """The configured database's engine and a printable name for it (no password); exits
    with a clear message if it cannot be reached or, when `migrated`, is not migrated."""
    settings = Settings()
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    engine = database_engine(settings)
    try:
        if migrated:
            revision, head = current_revision(engine=engine), head_revision()
            if revision != head:
                errors.print(
                    f"[bold red]Database not ready[/]: {where} is at revision "
                    f"{revision or 'none'}, this Kuznia needs {head}. "
                    "Run `kuznia db upgrade` first.",
                    highlight=False,
                )
                raise typer.Exit(NOTHING_DONE)
        yield engine, where
    except (OperationalError, InterfaceError) as error:
        errors.print(
            f"[bold red]Cannot use the database[/] {where}: {error.orig or error}",
            highlight=False,
            markup=True,
        )
        raise typer.Exit(DATABASE_UNAVAILABLE) from None
    finally:
        engine.dispose()


def _read_registry_file(file: Path) -> RegistryWorkbook:
    """The instance in an instance file or, by its extension, a registry workbook (with the
    supplier countries of its foreign supply: an instance file has none); exits with every
    problem printed when it is not valid."""
    if file.suffix.lower() not in WORKBOOK_SUFFIXES:
        try:
            instance = read_instance(file)
        except InstanceError as error:
            _invalid_instance(error, f"Invalid instance file {file}")
        return RegistryWorkbook(instance=instance, supplier_countries=[])
    try:
        return read_registry(file)
    except WorkbookError as error:
        errors.print(
            f"[bold red]Invalid workbook {file}[/]: {len(error.problems)} problem(s)",
            highlight=False,
        )
        for problem in error.problems:
            errors.print(f"  {problem}", markup=False, highlight=False)
        errors.print("Nothing was imported.")
        raise typer.Exit(NOTHING_DONE) from None


def _invalid_instance(error: InstanceError, heading: str) -> NoReturn:
    errors.print(f"[bold red]{heading}[/]: {len(error.problems)} problem(s)", highlight=False)
    for problem in error.problems:
        errors.print(f"  {problem}", markup=False, highlight=False)
    errors.print("Nothing was imported or written.")
    raise typer.Exit(NOTHING_DONE)
