"""`kuznia audit`: the chain's head to copy elsewhere, its verification (against a copied head
with `--expect`), and the reconciliation of the rows with it.

Exit codes: 0 the chain is intact (the rows match it); 1 the database cannot be reached; 2 it
is not migrated, or `--expect` is not SEQ:HASH; 3 the chain is broken (the first broken event
is named); 4 rows were changed without an event (each is named).
"""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import select

from kuznia.audit.chain import Anchor
from kuznia.audit.chain import verify as verify_chain
from kuznia.audit.reconcile import Reconciliation
from kuznia.audit.reconcile import reconcile as reconcile_rows
from kuznia.cli.app import app as kuznia
from kuznia.cli.db import database
from kuznia.db.session import session_scope
from kuznia.models import AuditEvent, AuditHead
from kuznia.models.audit import GENESIS_HASH, HEAD_ID
from kuznia.models.base import as_utc

BAD_ANCHOR = 2
CHAIN_BROKEN = 3
ROWS_DIFFER = 4

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
def head(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Print the chain's head, `SEQ:HASH TIME`, one line to copy outside the database (a
    printed report, a partner's copy); give it back to `verify --expect SEQ:HASH`."""
    with database() as (engine, _where), session_scope(engine) as session:
        stored = session.get(AuditHead, HEAD_ID)
        seq, digest = (0, GENESIS_HASH) if stored is None else (stored.seq, stored.hash)
        at = session.scalar(select(AuditEvent.at).where(AuditEvent.seq == seq)) if seq else None
    when = None if at is None else as_utc(at).isoformat(timespec="seconds")
    if as_json:
        print(json.dumps({"seq": seq, "hash": digest, "at": when, "anchor": f"{seq}:{digest}"}))
        return
    print(f"{seq}:{digest} {when or '-'}")


@app.command()
def verify(
    expect: Annotated[
        str | None,
        typer.Option(
            "--expect",
            help="A head copied earlier (SEQ:HASH, as `kuznia audit head` prints it): a chain "
            "cut back or rewritten up to it breaks.",
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--full", help="Also reconcile the rows with the chain (`reconcile`)."),
    ] = False,
) -> None:
    """Check every event's hash (keyed with the audit key) and link to the one before, in
    order, the chain's head, and an expected head; name the first event that is missing,
    moved or changed."""
    try:
        anchor = None if expect is None else Anchor.parse(expect)
    except ValueError as error:
        errors.print(f"[bold red]--expect[/]: {error}", highlight=False)
        raise typer.Exit(BAD_ANCHOR) from None
    began = time.perf_counter()
    with database() as (engine, where):
        with session_scope(engine) as session:
            outcome = verify_chain(session=session, expect=anchor)
        rows = None
        if full and outcome.intact:
            with session_scope(engine) as session:
                rows = reconcile_rows(session=session)
    seconds = time.perf_counter() - began
    if outcome.first_break is not None:
        errors.print(
            f"[bold red]Audit chain of {where} is broken[/] at event {outcome.first_break.seq}"
            + (f" (row id {outcome.first_break.event_id})" if outcome.first_break.event_id else "")
            + f": {outcome.first_break.problem}. {outcome.events:,} events before it are intact.",
            highlight=False,
        )
        raise typer.Exit(CHAIN_BROKEN)
    anchored = f", event {anchor.seq} as anchored" if anchor is not None else ""
    console.print(
        f"Audit chain of {where} is intact: {outcome.events:,} events verified{anchored} "
        f"({seconds:.1f} s).",
        highlight=False,
    )
    if outcome.unkeyed:
        console.print(
            f"{outcome.unkeyed:,} events were written before the chain was keyed (plain "
            "SHA-256): only a head copied outside the database protects them.",
            highlight=False,
        )
    if rows is not None:
        _report(rows, where)


@app.command()
def reconcile() -> None:
    """Replay the chain and compare it with the ledger (production reports, receipts,
    dispatches), stock per depot, contracts (versions, schedules, funding), guarantees and
    users; name every row changed, added or removed without an event."""
    with database() as (engine, where), session_scope(engine) as session:
        outcome = reconcile_rows(session=session)
    _report(outcome, where)


def _report(outcome: Reconciliation, where: str) -> None:
    if outcome.consistent:
        console.print(
            f"The rows of {where} match the audit chain: {outcome.rows:,} rows, "
            f"{outcome.events:,} events replayed.",
            highlight=False,
        )
        return
    errors.print(
        f"[bold red]{len(outcome.mismatches):,} rows of {where} differ from the audit chain[/] "
        "(changed without an event):",
        highlight=False,
    )
    for found in outcome.mismatches:
        errors.print(f"  {found.describe()}", highlight=False, markup=False)
    raise typer.Exit(ROWS_DIFFER)
