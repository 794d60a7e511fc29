"""What the pages read, through the services and the scoped repositories (never a query of
their own): the horizon, the catalogue, whole registry sections, plan runs and their result
tables, each as far as the caller may see.

A finished run never changes, so its result tables are kept in a small per-application cache
(keyed by run, table and the caller's reach): the overview of a national plan reads tens of
thousands of rows, and reading them once is enough.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.documents import JsonObject, ResultRow
from kuznia.errors import KuzniaError
from kuznia.pagination import PageParams
from kuznia.plans import service as plans_service
from kuznia.plans import summary as plans_summary
from kuznia.plans.schemas import ResultFilters
from kuznia.registry import service as registry_service
from kuznia.registry import settings as registry_settings
from kuznia.registry.schemas import RecordFields, RecordFilters, record_filters
from kuznia.registry.sections import FUNDS, GROUPINGS, ITEMS, LINES, PRODUCERS, Section
from kuznia.registry.settings import SettingsRead

EVERYTHING = PageParams(limit=10**9, offset=0)


class ResultCache:
    """The result tables of finished runs, most recently used kept."""

    def __init__(self, size: int = 24) -> None:
        self.size = size
        self._tables: OrderedDict[tuple[Any, ...], list[JsonObject]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> list[JsonObject] | None:
        with self._lock:
            rows = self._tables.get(key)
            if rows is not None:
                self._tables.move_to_end(key)
            return rows

    def put(self, key: tuple[Any, ...], rows: list[JsonObject]) -> None:
        with self._lock:
            self._tables[key] = rows
            self._tables.move_to_end(key)
            while len(self._tables) > self.size:
                self._tables.popitem(last=False)


def horizon(*, session: Session, scope: Scope) -> SettingsRead | None:
    """The registry's start, months and currency; None if there is none or the role may not
    read it."""
    try:
        return registry_settings.get_settings(session=session, scope=scope)
    except KuzniaError:
        return None


def currency(*, session: Session, scope: Scope) -> str:
    """The registry's currency; empty if there is none or the role may not read it."""
    settings = horizon(session=session, scope=scope)
    return settings.currency if settings else ""


def records(
    *,
    session: Session,
    scope: Scope,
    section: Section,
    filters: RecordFilters | Mapping[str, Any] | None = None,
) -> list[RecordFields]:
    """Every record of a section the caller may read (none if it may read none), filtered by
    `filters` (the section's filters, or their values by name)."""
    if scope.access(section.name, Action.read) is Access.none:
        return []
    found, _ = registry_service.list_records(
        session=session,
        section=section,
        scope=scope,
        filters=(
            filters
            if isinstance(filters, RecordFilters)
            else record_filters(section, **(filters or {}))
        ),
        page=EVERYTHING,
    )
    return [record.model_dump() for record in found]


def categories_of_items(*, session: Session, scope: Scope) -> dict[str, str]:
    """item code -> its category."""
    return {
        item["code"]: item["category"]
        for item in records(session=session, scope=scope, section=ITEMS)
    }


def units_of_items(*, session: Session, scope: Scope) -> dict[str, str]:
    """item code -> its unit ("pcs", "rounds"; the pages translate it)."""
    return {
        item["code"]: item.get("unit") or ""
        for item in records(session=session, scope=scope, section=ITEMS)
    }


def labels(*, session: Session, scope: Scope) -> dict[str, dict[str, str]]:
    """What a planner calls each code: items, groupings and funds by name, lines by their
    producer's name (the code where there is no name or the caller may not read it)."""
    producers = {
        r["code"]: r.get("name") or r["code"]
        for r in records(session=session, scope=scope, section=PRODUCERS)
    }
    return {
        "items": {
            r["code"]: r.get("name") or r["code"]
            for r in records(session=session, scope=scope, section=ITEMS)
        },
        "groupings": {
            r["code"]: r.get("name") or r["code"]
            for r in records(session=session, scope=scope, section=GROUPINGS)
        },
        "lines": {
            r["code"]: producers.get(r["producer"], r["producer"])
            for r in records(session=session, scope=scope, section=LINES)
        },
        "funds": {
            r["code"]: r.get("name") or r["code"]
            for r in records(session=session, scope=scope, section=FUNDS)
        },
    }


def runs(*, session: Session, scope: Scope, limit: int = 100) -> list[models.PlanRun]:
    """The newest runs the caller may read (none if it may read none)."""
    if scope.access("plan_runs", Action.read) is Access.none:
        return []
    found, _ = plans_service.list_runs(
        session=session, scope=scope, page=PageParams(limit=limit, offset=0)
    )
    return list(found)


def latest_finished_run(*, session: Session, scope: Scope) -> models.PlanRun | None:
    """The newest run that finished with a plan, or None."""
    return plans_service.latest_finished_run(session=session, scope=scope)


def approved_run(*, session: Session, scope: Scope) -> models.PlanRun | None:
    """The approved plan (the run the contracts came from), or None."""
    return plans_service.approved_run(session=session, scope=scope)


def get_run(*, session: Session, scope: Scope, run_id: int) -> models.PlanRun:
    """One run the caller may read (NotFound otherwise)."""
    return plans_service.get_run(session=session, scope=scope, run_id=run_id)


def may_read_table(scope: Scope, table: str) -> bool:
    """Whether the caller may read a run's `table` (a partner reads only what its funds pay)."""
    return plans_service.may_read_table(scope, table)


def table(
    *,
    session: Session,
    scope: Scope,
    run: models.PlanRun,
    name: str,
    cache: ResultCache | None = None,
) -> list[ResultRow]:
    """Every row of one result table of `run` the caller may read ([] if it may read none)."""
    if not may_read_table(scope, name):
        return []
    key = (
        run.id,
        name,
        scope.access("plan_runs", Action.read).value,
        tuple(sorted(scope.fund_ids)),
    )
    cacheable = cache is not None and run.status is models.PlanRunStatus.finished
    if cacheable and cache is not None and (rows := cache.get(key)) is not None:
        return rows
    rows, _ = plans_service.result_page(
        session=session,
        scope=scope,
        run_id=run.id,
        table=name,
        filters=ResultFilters(),
        page=EVERYTHING,
    )
    if cacheable and cache is not None:
        cache.put(key, rows)
    return rows


def summary(
    *, session: Session, scope: Scope, run: models.PlanRun, cache: ResultCache | None = None
) -> JsonObject | None:
    """The sums kept of a finished run's results (`plans.summary`), for a caller who reads
    every run's results; None for anyone else, or for a run without them (then the pages sum
    the rows themselves)."""
    if run.status is not models.PlanRunStatus.finished or run.cost is None:
        return None
    if scope.access("plan_runs", Action.read) is not Access.all:
        return None
    key = (run.id, "summary")
    if cache is not None and (kept := cache.get(key)) is not None:
        return kept[0]
    found = plans_summary.read(session.connection(), run_id=run.id)
    if found is not None and cache is not None:
        cache.put(key, [found])
    return found
