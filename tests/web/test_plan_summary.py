"""A finished run's sums (kuznia.plans.summary), kept by the worker and read by the overview and
the plan page, give every figure those pages show exactly as the run's rows do; a run without
them (finished before they were kept) is summed at start-up or read row by row meanwhile."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import delete

from kuznia import models
from kuznia.auth.permissions import Scope
from kuznia.db import session_scope
from kuznia.models import Role
from kuznia.plans import summary as plans_summary
from kuznia.web import results, summaries, warmup
from tests.web.conftest import Pages, solve_queued

PLANNER = Scope(user_id=0, role=Role.planner, organisation_id=0)


@pytest.fixture
def run_id(pages: Pages) -> int:
    started = pages.start_plan()
    assert solve_queued(pages.engine) == [started]
    return started


def _rows(pages: Pages, run_id: int) -> tuple[dict, dict[str, list[dict]], dict[str, str], int]:
    with session_scope(pages.engine) as session:
        run = results.get_run(session=session, scope=PLANNER, run_id=run_id)
        kept = plans_summary.read(session.connection(), run_id=run_id)
        tables = {
            name: results.table(session=session, scope=PLANNER, run=run, name=name)
            for name in ("allocations", "deliveries", "payments")
        }
        category_of = results.categories_of_items(session=session, scope=PLANNER)
        months = run.months
    assert kept is not None
    return kept, tables, category_of, months


def _close(first: object, second: object) -> bool:
    if isinstance(first, float) and isinstance(second, float):
        return math.isclose(first, second, rel_tol=1e-12, abs_tol=1e-9)
    if isinstance(first, list | tuple) and isinstance(second, list | tuple):
        return len(first) == len(second) and all(
            _close(a, b) for a, b in zip(first, second, strict=True)
        )
    if isinstance(first, dict) and isinstance(second, dict):
        return first.keys() == second.keys() and all(_close(first[k], second[k]) for k in first)
    if hasattr(first, "__dataclass_fields__"):
        return type(first) is type(second) and _close(vars(first), vars(second))
    return first == second


def test_the_worker_keeps_sums_that_give_the_pages_figures_exactly(
    pages: Pages, run_id: int
) -> None:
    kept, tables, category_of, months = _rows(pages, run_id)
    allocations, deliveries, payments = (
        tables["allocations"],
        tables["deliveries"],
        tables["payments"],
    )
    by_item = plans_summary.allocation_rows(kept, "item")
    summed_deliveries = plans_summary.delivery_rows(kept)
    assert len(by_item) <= len(allocations)
    assert _close(
        summaries.coverage_by_category(by_item, category_of, months),
        summaries.coverage_by_category(allocations, category_of, months),
    )
    assert _close(
        summaries.coverage_matrix(by_item, category_of, months),
        summaries.coverage_matrix(allocations, category_of, months),
    )
    for key in ("operation", "grouping"):
        assert _close(
            summaries.coverage_by(plans_summary.allocation_rows(kept, key), key, months),
            summaries.coverage_by(allocations, key, months),
        )
    for baseline in range(months):
        assert _close(
            summaries.output_growth(summed_deliveries, category_of, months, baseline),
            summaries.output_growth(deliveries, category_of, months, baseline),
        )
    assert _close(
        summaries.supply_shares(summed_deliveries, [], category_of),
        summaries.supply_shares(deliveries, [], category_of),
    )
    funds = [{"code": row["fund"], "budget": {}} for row in payments]
    assert _close(
        summaries.spend_against_budget(funds, plans_summary.payment_rows(kept)),
        summaries.spend_against_budget(funds, payments),
    )
    with session_scope(pages.engine) as session:
        run = results.get_run(session=session, scope=PLANNER, run_id=run_id)
        expansions = results.table(session=session, scope=PLANNER, run=run, name="expansions")
    assert _close(
        summaries.money_flows(*plans_summary.flow_rows(kept), category_of),
        summaries.money_flows(payments, deliveries, expansions, category_of),
    )
    delivered: dict[str, float] = {}
    for row in deliveries:
        delivered[row["line"]] = delivered.get(row["line"], 0.0) + row["quantity"]
    assert _close(kept["delivered_by_line"], delivered)


def test_a_run_without_sums_is_read_row_by_row_then_summed_at_start_up(
    pages: Pages, run_id: int
) -> None:
    planner = pages.as_user("planner")
    with_sums = planner.get("/overview")
    with pages.engine.begin() as connection:
        connection.execute(delete(models.PlanRunSummary))
    pages.app.state.web_results = results.ResultCache()

    without = planner.get("/overview")
    assert without.status_code == 200
    for figure in ("growth-chart", "coverage-chart", "spend-chart"):
        assert (figure in with_sums.text) == (figure in without.text)
    assert planner.get(f"/plans/{run_id}").status_code == 200

    warmup.warm(pages.app)
    with pages.engine.connect() as connection:
        assert plans_summary.read(connection, run_id=run_id) is not None


def test_a_partner_never_reads_the_full_sums(pages: Pages, run_id: int) -> None:
    with session_scope(pages.engine) as session:
        run = results.get_run(session=session, scope=PLANNER, run_id=run_id)
        partner = Scope(user_id=0, role=Role.partner, organisation_id=0)
        assert results.summary(session=session, scope=partner, run=run) is None
        assert results.summary(session=session, scope=PLANNER, run=run) is not None
