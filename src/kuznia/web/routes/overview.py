"""The overview: how well the latest plan covers the needs, how output grows, how much comes
from home and abroad, and what the funds spend; each panel shown only to roles that may read
what it is made of."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kuznia.auth.dependencies import SessionDep
from kuznia.documents import ResultRow
from kuznia.plans import summary as plans_summary
from kuznia.registry.sections import FOREIGN_SUPPLY, FUNDS, ITEMS, STOCK
from kuznia.targets import service as targets_service
from kuznia.targets.schemas import TargetReport
from kuznia.web import charts, execution, results, summaries
from kuznia.web.nav import may_read, may_write, reads_all
from kuznia.web.pages import language_of, render
from kuznia.web.session import ViewerDep

router = APIRouter()


@router.get("/overview", include_in_schema=False, response_class=HTMLResponse)
def overview(
    request: Request, session: SessionDep, viewer: ViewerDep, baseline: int = 0
) -> HTMLResponse:
    scope = viewer.scope
    lang = language_of(request)
    cache = request.app.state.web_results
    settings = results.horizon(session=session, scope=scope)
    months = settings.months if settings else 0
    start = settings.start if settings else None
    currency = settings.currency if settings else ""
    # the plan in force (the one the contracts came from), else the newest one; a newer
    # finished run that nobody approved is named as a what-if beside it
    approved = results.approved_run(session=session, scope=scope)
    newest = results.latest_finished_run(session=session, scope=scope)
    run = approved or newest
    context: dict[str, Any] = {
        "run": run,
        "approved": approved is not None,
        "what_if": newest if approved and newest and newest.id > approved.id else None,
        "settings": settings,
        "may_plan": may_write(scope, "plan_runs"),
        "may_read_plans": may_read(scope, "plan_runs"),
        "full_reader": reads_all(scope, "plan_runs"),
        "currency": currency,
    }
    report = TargetReport(as_of=execution.today(), off_track=0, targets=[])
    if may_read(scope, "targets"):
        report = targets_service.target_report(
            session=session, scope=scope, as_of=execution.today()
        )
        context["targets"] = targets_service.summary_of(report)
    category_of = results.categories_of_items(session=session, scope=scope)
    if run is not None and months:
        allocations, deliveries, payments = _plan_rows(session, scope, run, cache)
        if allocations:
            context["coverage"] = summaries.coverage_by_category(allocations, category_of, months)
            context["heatmap"] = charts.coverage_heatmap(
                summaries.coverage_matrix(allocations, category_of, months), lang, start
            )
        baseline = min(max(baseline, 0), months - 1)
        growth = summaries.output_growth(deliveries, category_of, months, baseline)
        context["baseline"] = baseline
        context["baseline_months"] = [(t, lang.month(start, t)) for t in range(months)]
        context["growth"] = growth
        if deliveries:
            shown = summaries.target_ratios(growth, report.targets, start) if start else {}
            context["growth_chart"] = charts.growth_lines(growth, lang, start, shown)
            context["growth_targets"] = sorted(shown)
            last = growth.months[-1]
            context["growth_last"] = {
                category: ratios[last] for category, ratios in sorted(growth.by_category.items())
            }
        if may_read(scope, FOREIGN_SUPPLY.name):
            foreign = results.records(session=session, scope=scope, section=FOREIGN_SUPPLY)
            shares = summaries.supply_shares(deliveries, foreign, category_of)
            context["shares"] = shares
            context["supply_chart"] = charts.supply_bars(shares, lang) if shares else None
        if may_read(scope, FUNDS.name):
            funds = results.records(session=session, scope=scope, section=FUNDS)
            spends = summaries.spend_against_budget(funds, payments)
            context["spends"] = spends
            context["spend_chart"] = charts.spend_bars(spends, lang, currency) if spends else None
    if may_read(scope, STOCK.name) and not may_read(scope, "plan_runs"):
        # a depot's overview: what is in stock (its receipts come with the ledger pages)
        names = {
            item["code"]: item
            for item in results.records(session=session, scope=scope, section=ITEMS)
        }
        context["stock"] = [
            {
                **row,
                "name": names.get(row["item"], {}).get("name", row["item"]),
                "unit": names.get(row["item"], {}).get("unit", ""),
            }
            for row in results.records(session=session, scope=scope, section=STOCK)
        ]
    return render(request, "overview.html", context, viewer=viewer)


def _plan_rows(
    session: Any, scope: Any, run: Any, cache: results.ResultCache
) -> tuple[list[ResultRow], list[ResultRow], list[ResultRow]]:
    """The allocations, deliveries and payments the panels are worked out from: the run's sums
    per item, month, fund and year where they were kept (a full reader), else its rows as far
    as the caller may read them (the same figures either way)."""
    kept = results.summary(session=session, scope=scope, run=run, cache=cache)
    if kept is not None:
        return (
            plans_summary.allocation_rows(kept, "item"),
            plans_summary.delivery_rows(kept),
            plans_summary.payment_rows(kept),
        )
    return (
        results.table(session=session, scope=scope, run=run, name="allocations", cache=cache),
        results.table(session=session, scope=scope, run=run, name="deliveries", cache=cache),
        results.table(session=session, scope=scope, run=run, name="payments", cache=cache),
    )
