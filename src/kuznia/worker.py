"""The worker process: `python -m kuznia.worker` solves the queued plan runs, then runs the
queued jobs (analyses), and again, until nothing waits; then it exits. The web process starts
workers (`kuznia.plans.pool`); a solve never runs inside it.

Job kinds register their handlers when their package's `jobs` module is imported: each such
module is listed in KIND_MODULES.
"""

from __future__ import annotations

import importlib
import logging
import sys

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from kuznia.db import database_engine
from kuznia.jobs.runner import work_jobs
from kuznia.plans.worker import work

log = logging.getLogger("kuznia.worker")
# The modules that register job kinds (kuznia.jobs.registry.handles).
KIND_MODULES = ("kuznia.plans.jobs",)


def register_kinds() -> None:
    """Import every module that registers a job kind."""
    for module in KIND_MODULES:
        importlib.import_module(module)


def work_all(*, engine: Engine) -> int:
    """Plan runs first (the plans everyone waits for), then jobs, until none is left; how many
    were done."""
    register_kinds()
    done = 0
    while True:
        now = work(engine=engine) + work_jobs(engine=engine)
        if now == 0:
            return done
        done += now


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    engine = database_engine()
    try:
        work_all(engine=engine)
    except SQLAlchemyError as error:
        log.error("the database cannot be used: %s", error)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
