"""`kuznia audit verify`: walk the audit chain and name the first event that breaks it.

Exit codes: 0 the chain is intact; 1 the database cannot be reached; 2 it is not migrated;
3 the chain is broken (the first broken event is named).
"""

from __future__ import annotations

import time

import typer
from rich.console import Console

from kuznia.audit import verify as verify_chain
from kuznia.cli.app import app as kuznia
from kuznia.cli.db import database
from kuznia.db.session import session_scope

CHAIN_BROKEN = 3

app = typer.Typer(
    name="audit",
    help="The audit chain: every write, hash-chained.",
    no_args_is_help=True,
    add_completion=False,
)
kuznia.add_typer(app, name="audit")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


@app.command()
def verify() -> None:
    """Check every event's hash and link to the one before, in order, and the chain's head;
    name the first event that is missing, moved or changed."""
    began = time.perf_counter()
    with database() as (engine, where), session_scope(engine) as session:
        outcome = verify_chain(session=session)
    seconds = time.perf_counter() - began
    if outcome.first_break is None:
        console.print(
            f"Audit chain of {where} is intact: {outcome.events:,} events verified "
            f"({seconds:.1f} s).",
            highlight=False,
        )
        return
    errors.print(
        f"[bold red]Audit chain of {where} is broken[/] at event {outcome.first_break.seq}"
        + (f" (row id {outcome.first_break.event_id})" if outcome.first_break.event_id else "")
        + f": {outcome.first_break.problem}. {outcome.events:,} events before it are intact.",
        highlight=False,
    )
    raise typer.Exit(CHAIN_BROKEN)
