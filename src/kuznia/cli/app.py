"""The `kuznia` Typer application: command modules import it and register their commands on it
(`kuznia.cli.main` imports every command module, and is the console script's entry point)."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="kuznia",
    help="Kuznia: plan and run a country's defence production.",
    no_args_is_help=True,
    add_completion=False,
)
# `kuznia export instance|excel|ocds`: the registry written out (kuznia.cli.db, kuznia.cli.ocds).
export_app = typer.Typer(help="Export the registry.", no_args_is_help=True)
app.add_typer(export_app, name="export")
