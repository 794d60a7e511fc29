"""The `kuznia` Typer application: command modules import it and register their commands on it
(`kuznia.cli.main` imports every command module, and is the console script's entry point)."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

# The order `kuznia --help` lists the commands in: files first, then the database, execution,
# people (modules register in whatever order they are imported).
ORDER = (
    "generate",
    "validate",
    "plan",
    "scenario",
    "sweep",
    "critical",
    "curve",
    "db",
    "import",
    "export",
    "replan",
    "targets",
    "report",
    "audit",
    "users",
    "serve",
    "demo-users",
)


class Commands(TyperGroup):
    """Kuznia's commands, listed in ORDER (any not in it after those, as registered)."""

    def list_commands(self, ctx: Any) -> list[str]:  # a click Context (typer may vendor click)
        names = super().list_commands(ctx)
        return sorted(names, key=lambda name: ORDER.index(name) if name in ORDER else len(ORDER))


app = typer.Typer(
    name="kuznia",
    cls=Commands,
    help="Kuznia: plan and run a country's defence production.",
    no_args_is_help=True,
    add_completion=False,
)
# `kuznia export instance|excel|ocds`: the registry written out (kuznia.cli.db, kuznia.cli.ocds).
export_app = typer.Typer(help="Export the registry.", no_args_is_help=True)
app.add_typer(export_app, name="export")
