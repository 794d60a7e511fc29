"""The first page after a start is as quick as the next: in a thread at start-up, the result
tables the overview, funds and plan pages read of the plan in force (the approved one, else the
newest) are read into the pages' cache, as planners, auditors and admins read them."""

from __future__ import annotations

import logging
import threading
import time

from fastapi import FastAPI

from kuznia.auth.permissions import Scope
from kuznia.db import session_scope
from kuznia.models import Role
from kuznia.web import results

log = logging.getLogger("kuznia.web")
# What the overview reads of a plan (the plan page reads these and the shortfalls).
TABLES = ("allocations", "deliveries", "payments", "shortfalls")
# The scope the cached tables are read in: a full reader's (the cache keys on the reach).
FULL_READER = Scope(user_id=0, role=Role.planner, organisation_id=0)


def warm(app: FastAPI) -> None:
    """Read the plan in force's tables into `app`'s result cache, now."""
    began = time.perf_counter()
    with session_scope(app.state.engine) as session:
        run = results.approved_run(session=session, scope=FULL_READER) or (
            results.latest_finished_run(session=session, scope=FULL_READER)
        )
        if run is None:
            return
        for name in TABLES:
            results.table(
                session=session,
                scope=FULL_READER,
                run=run,
                name=name,
                cache=app.state.web_results,
            )
        results.categories_of_items(session=session, scope=FULL_READER)
    log.info("plan %s read for the pages in %.1f s", run.id, time.perf_counter() - began)


def start(app: FastAPI) -> threading.Thread:
    """`warm` in a daemon thread (a failure is logged: the pages then read on first use)."""

    def run() -> None:
        try:
            warm(app)
        except Exception:  # the pages work without it, only slower the first time
            log.exception("reading the plan in force for the pages failed")

    thread = threading.Thread(target=run, name="kuznia-web-warmup", daemon=True)
    thread.start()
    return thread
