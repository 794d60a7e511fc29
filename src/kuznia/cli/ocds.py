"""`kuznia export ocds --output FILE`: every contract as an OCDS 1.1 release, in one release
package validated against the standard's schema and codelists before it is written."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from kuznia.cli.app import export_app
from kuznia.cli.db import CLI, NOTHING_DONE, console, database, errors
from kuznia.contracts.publication import export_package
from kuznia.db import session_scope
from kuznia.io.ocds import (
    OcdsOptions,
    SchemaMissing,
    default_schema_dir,
    validate_package,
)
from kuznia.settings import Settings

# The package breaks the schema: nothing is written.
INVALID_EXPORT = 3
SHOWN_PROBLEMS = 20


@export_app.command("ocds")
def export_ocds_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="Release package to write.")],
    schema: Annotated[
        Path | None,
        typer.Option(
            "--schema",
            help="Folder with the OCDS schemas and codelists (default: KUZNIA_OCDS_SCHEMA_DIR, "
            "else the copy shipped in the package).",
        ),
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            help="The moment the releases describe (UTC unless it says); default: now.",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"],
        ),
    ] = None,
) -> None:
    """Export every contract as an OCDS 1.1 release package (JSON), validated first."""
    settings = Settings()
    schema_dir = schema or settings.ocds_schema_dir or default_schema_dir()
    moment = (as_of or datetime.now(UTC)).replace(microsecond=0)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    options = OcdsOptions.from_settings(settings)
    with database() as (engine, where), session_scope(engine, CLI) as session:
        export = export_package(session=session, options=options, as_of=moment)
    if not export.contracts:
        errors.print(
            f"[bold red]Nothing to export[/]: the database {where} holds no contracts. "
            "Approve a plan run first.",
            highlight=False,
        )
        raise typer.Exit(NOTHING_DONE)
    try:
        problems = validate_package(export.package, schema_dir=schema_dir)
    except SchemaMissing as error:
        errors.print(
            f"[bold red]Cannot validate[/]: {error}. Give the folder with --schema or "
            "KUZNIA_OCDS_SCHEMA_DIR. Nothing was written.",
            highlight=False,
        )
        raise typer.Exit(NOTHING_DONE) from None
    if problems:
        errors.print(
            f"[bold red]Invalid OCDS[/]: {len(problems)} problem(s) against {schema_dir}; "
            "nothing was written.",
            highlight=False,
        )
        for problem in problems[:SHOWN_PROBLEMS]:
            errors.print(f"  {problem}", markup=False, highlight=False)
        if len(problems) > SHOWN_PROBLEMS:
            errors.print(f"  ... and {len(problems) - SHOWN_PROBLEMS} more", highlight=False)
        raise typer.Exit(INVALID_EXPORT)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(export.package, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    releases = len(export.package["releases"])
    console.print(
        f"Wrote [bold]{output}[/] from {where}: {releases} releases ({export.contracts} "
        f"contracts, {export.guarantees} guarantees) as of {export.package['publishedDate']}, valid against {schema_dir}.",
        highlight=False,
    )
    if export.withheld:
        console.print("Withheld:", highlight=False)
        for field, count in sorted(export.withheld.items()):
            console.print(f"  {field}: in {count} release(s)", highlight=False)
    else:
        console.print("Withheld: nothing.", highlight=False)
