"""The industry: producers and lines with filters, a producer's lines with their capacity
ramps, and how much of that capacity the latest plan uses.

What a person sees is what the registry service lets their scope read: a producer's user
finds only its own producer, and another producer's page answers 404 as if it did not exist.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kuznia.auth.dependencies import SessionDep
from kuznia.auth.permissions import Action
from kuznia.documents import ResultRow
from kuznia.instance.vocabulary import OWNERSHIPS
from kuznia.pagination import Key
from kuznia.registry import service as registry_service
from kuznia.registry.schemas import RecordFields
from kuznia.registry.sections import EXPANSIONS, ITEMS, LINES, PRODUCERS, STOCK
from kuznia.web import charts, results, summaries
from kuznia.web.i18n import N_
from kuznia.web.nav import may_read, may_write, reads_all
from kuznia.web.pages import language_of, render
from kuznia.web.session import ViewerDep

router = APIRouter()
PAGE_SIZE = 25
RAMP_CHARTS = 12  # a chart per line up to this many; beyond, the table says it all


def _filters(request: Request) -> dict[str, str]:
    params = request.query_params
    return {name: params.get(name, "").strip() for name in ("region", "ownership", "item", "q")}


def _matching(
    producers: list[RecordFields], lines: list[RecordFields], chosen: dict[str, str]
) -> tuple[list[RecordFields], list[RecordFields]]:
    """The producers and lines that pass the filters: region and ownership of the producer,
    an item it makes, and a text in a producer's code or name or a line's code."""
    text = chosen["q"].lower()
    kept = [
        p
        for p in producers
        if (not chosen["region"] or p["region"] == chosen["region"])
        and (not chosen["ownership"] or p["ownership"] == chosen["ownership"])
    ]
    lines_of: dict[str, list[RecordFields]] = {}
    for line in lines:
        lines_of.setdefault(line["producer"], []).append(line)
    if chosen["item"]:
        kept = [
            p for p in kept if any(x["item"] == chosen["item"] for x in lines_of.get(p["code"], []))
        ]
    if text:
        kept = [
            p
            for p in kept
            if text in p["code"].lower()
            or text in p["name"].lower()
            or any(text in x["code"].lower() for x in lines_of.get(p["code"], []))
        ]
    # a producer found by its own code or name brings all its lines; else the lines found
    by_name = {
        p["code"]
        for p in kept
        if not text or text in p["code"].lower() or text in p["name"].lower()
    }
    codes = {p["code"] for p in kept}
    kept_lines = [
        x
        for x in lines
        if x["producer"] in codes
        and (not chosen["item"] or x["item"] == chosen["item"])
        and (x["producer"] in by_name or text in x["code"].lower())
    ]
    return kept, kept_lines


def _page(request: Request, total: int) -> tuple[int, int]:
    try:
        number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    pages = max(1, ceil(total / PAGE_SIZE))
    return min(number, pages), pages


def _links(scope: Any) -> list[tuple[str, str]]:
    """The industry's other pages this caller may open: the stock, the registry workbook."""
    links = []
    if may_read(scope, STOCK.name):
        links.append(("/industry/stock", N_("Stock")))
    if reads_all(scope, "instance"):
        links.append(("/registry", N_("Registry workbook")))
    return links


@router.get("/industry", include_in_schema=False, response_class=HTMLResponse)
def industry(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    return _industry(request, session, viewer, tab="producers")


@router.get("/industry/lines", include_in_schema=False, response_class=HTMLResponse)
def industry_lines(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    return _industry(request, session, viewer, tab="lines")


def _industry(request: Request, session: Any, viewer: Any, *, tab: str) -> HTMLResponse:
    scope = viewer.scope
    scope.require(PRODUCERS.name, Action.read)
    producers = results.records(session=session, scope=scope, section=PRODUCERS)
    lines = results.records(session=session, scope=scope, section=LINES)
    items = results.records(session=session, scope=scope, section=ITEMS)
    chosen = _filters(request)
    kept, kept_lines = _matching(producers, lines, chosen)
    settings = results.horizon(session=session, scope=scope)
    months = settings.months if settings else 0
    run = results.latest_finished_run(session=session, scope=scope)
    use: dict[str, summaries.Utilisation] = {}
    if run is not None and results.may_read_table(scope, "deliveries"):
        deliveries = results.table(
            session=session,
            scope=scope,
            run=run,
            name="deliveries",
            cache=request.app.state.web_results,
        )
        use = summaries.utilisation(lines, deliveries, months)
    per_producer: dict[str, dict[str, Any]] = {}
    for line in lines:
        entry = per_producer.setdefault(
            line["producer"], {"lines": 0, "items": set(), "capacity": 0.0, "delivered": 0.0}
        )
        entry["lines"] += 1
        entry["items"].add(line["item"])
        if line["code"] in use:
            entry["capacity"] += use[line["code"]].capacity
            entry["delivered"] += use[line["code"]].delivered
    item_names = {item["code"]: item["name"] for item in items}
    for entry in per_producer.values():
        entry["items"] = sorted(item_names.get(code, code) for code in entry["items"])
    rows = kept if tab == "producers" else kept_lines
    number, pages = _page(request, len(rows))
    shown = rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    return render(
        request,
        "industry.html",
        {
            "tab": tab,
            "chosen": chosen,
            "regions": sorted({p["region"] for p in producers}),
            "ownerships": OWNERSHIPS,
            "items": items,
            "item_names": item_names,
            "rows": shown,
            "total": len(rows),
            "page": number,
            "pages": pages,
            "per_producer": per_producer,
            "use": use,
            "run": run,
            "months": months,
            "full_reader": reads_all(scope, "plan_runs"),
            "producer_ids": {p["code"]: p["id"] for p in producers},
            "links": _links(scope),
        },
        viewer=viewer,
    )


@router.get(
    "/industry/producers/{producer_id}", include_in_schema=False, response_class=HTMLResponse
)
def producer_page(
    request: Request, session: SessionDep, viewer: ViewerDep, producer_id: Key
) -> HTMLResponse:
    """One producer: its lines, their ramps and use; 404 for a producer the caller may not see."""
    scope = viewer.scope
    lang = language_of(request)
    producer = registry_service.get_record(
        session=session, section=PRODUCERS, scope=scope, record_id=producer_id
    ).model_dump()
    lines = results.records(
        session=session, scope=scope, section=LINES, filters={"producer": producer["code"]}
    )
    codes = {line["code"] for line in lines}
    expansions = [
        e
        for e in results.records(session=session, scope=scope, section=EXPANSIONS)
        if e["line"] in codes
    ]
    items = {
        item["code"]: item for item in results.records(session=session, scope=scope, section=ITEMS)
    }
    settings = results.horizon(session=session, scope=scope)
    months = settings.months if settings else 0
    start = settings.start if settings else None
    run = results.latest_finished_run(session=session, scope=scope)
    deliveries: list[ResultRow] | None = None
    if run is not None and results.may_read_table(scope, "deliveries"):
        deliveries = [
            row
            for row in results.table(
                session=session,
                scope=scope,
                run=run,
                name="deliveries",
                cache=request.app.state.web_results,
            )
            if row["line"] in codes
        ]
    use = summaries.utilisation(lines, deliveries or [], months) if deliveries is not None else {}
    ramps = []
    for line in lines[:RAMP_CHARTS]:
        capacity = summaries.per_month(line["capacity"], months)
        delivered = (
            summaries.deliveries_per_month(deliveries, line["code"], months)
            if deliveries is not None
            else None
        )
        ramps.append((line, charts.ramp_chart(capacity, delivered, lang, start)))
    return render(
        request,
        "producer.html",
        {
            "producer": producer,
            "lines": lines,
            "expansions": expansions,
            "items": items,
            "ramps": ramps,
            "use": use,
            "run": run,
            "months": months,
            "capacity_now": {
                line["code"]: summaries.per_month(line["capacity"], max(months, 1))[0]
                for line in lines
            },
            "price_now": {
                line["code"]: summaries.per_month(line["price"], max(months, 1))[0]
                for line in lines
            },
            "may_edit": may_write(scope, LINES.name),
            "may_edit_expansions": may_write(scope, EXPANSIONS.name),
            "saved": request.query_params.get("saved"),
            "deleted": request.query_params.get("deleted") == "1",
            "may_read_plans": may_read(scope, "plan_runs"),
        },
        viewer=viewer,
    )
