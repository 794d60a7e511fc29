"""The first page after a start is as quick as the next: in a thread at start-up,
- the sums the overview and the plan page read (`plans.summary`) are made for the plan in
  force and the newest plan if they finished before the sums were kept (a run finished since
  has them from its worker);
- the templates of the pages a planner opens first are compiled;
- the deliveries the industry pages read of the newest plan are read into the pages' cache,
  as planners, auditors and admins read them.
"""

from __future__ import annotations

import logging
import threading
import time

from fastapi import FastAPI
from sqlalchemy.orm import Session

from kuznia.auth.permissions import Scope
from kuznia.db import session_scope
from kuznia.models import PlanRun, Role
from kuznia.plans import summary as plans_summary
from kuznia.web import results
from kuznia.web.pages import environment

log = logging.getLogger("kuznia.web")
# What the industry pages read of a plan (the overview, the plan and the funds pages read its
# sums; the shortfalls are read a page at a time).
TABLES = ("deliveries",)
# The templates compiled at start (the rest compile on first use, in milliseconds each).
TEMPLATES = ("login.html", "overview.html", "plan.html", "plans.html", "funds.html")
# The scope the cached tables are read in: a full reader's (the cache keys on the reach).
FULL_READER = Scope(user_id=0, role=Role.planner, organisation_id=0)
# The thread keeps the normal priority: niced, it would hold the interpreter's lock while the
# system runs others, and the request threads waiting for that lock would wait with it.


def _runs(session: Session) -> list[PlanRun]:
    approved = results.approved_run(session=session, scope=FULL_READER)
    newest = results.latest_finished_run(session=session, scope=FULL_READER)
    found: dict[int, PlanRun] = {}
    for run in (approved, newest):
        if run is not None:
            found[run.id] = run
    return list(found.values())


def warm(app: FastAPI) -> None:
    """Make the sums, compile the templates and read the tables into `app`'s cache, now."""
    began = time.perf_counter()
    with session_scope(app.state.engine) as session:
        runs = _runs(session)
        for run in runs:
            plans_summary.ensure(session.connection(), run_id=run.id)
    summed = time.perf_counter() - began
    for name in TEMPLATES:
        environment().get_template(name)
    with session_scope(app.state.engine) as session:
        for run in _runs(session)[-1:]:
            for name in TABLES:
                results.table(
                    session=session,
                    scope=FULL_READER,
                    run=run,
                    name=name,
                    cache=app.state.web_results,
                )
        results.categories_of_items(session=session, scope=FULL_READER)
    log.info(
        "plans %s summed in %.1f s and read for the pages in %.1f s",
        [run.id for run in runs],
        summed,
        time.perf_counter() - began,
    )


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
