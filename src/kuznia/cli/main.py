"""The `kuznia` command: every command module registers its commands on `kuznia.cli.app.app`
when imported; this module imports them all, in the order `kuznia --help` lists them."""

from __future__ import annotations

from kuznia.cli import (
    audit,
    db,
    demo,
    execution,
    ocds,
    plan,
    replan,
    resilience,
    targets,
    users,
)
from kuznia.cli.app import app

COMMAND_MODULES = (plan, db, ocds, resilience, users, demo, audit, execution, replan, targets)

__all__ = ["COMMAND_MODULES", "app", "main"]


def main() -> None:  # pragma: no cover
    app()
