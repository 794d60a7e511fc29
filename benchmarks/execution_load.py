"""The execution ledger under load on PostgreSQL; writes docs/benchmarks-execution.md and the
same section, between marker comments, in docs/benchmarks.md.

In a fresh schema of the PostgreSQL database named (dropped at the end, whatever happens): the
migrations, the `small` synthetic registry (seed 7), depot organisations each with two depots
and a logistics user, a signed contract per item. Then the real server, uvicorn serving
`kuznia.main:create_app` in `--workers` processes (access log off), in its own process group;
and in this process, `--clients` concurrent clients (asyncio + httpx, one connection each)
send, `--runs` times, `--events` receipt and dispatch events through the API one per request,
each with its own client key, re-sending a share of earlier events unchanged (a retry must
answer 200 and record nothing); then, `--runs` times, `--batch-events` events in batches of
`--batch-size` (POST /ledger-batches). Each run's rate, latencies and server CPU are reported,
and the medians beside the goals of issue 16.

Each client works at one depot and keeps its own balance per item, dispatching only what its
own answered receipts put there: whatever the interleaving, no dispatch can meet an empty
stock, so a 409 would be a bug. A request without an answer is sent again with the same key
(and counted as an error). At the end: the stock per depot and item the API reports, and the
ledger's row counts and sums in the database, must equal the stream's exactly; each key is
stored once; and the audit chain is verified.

    python benchmarks/execution_load.py [--events 20000] [--clients 16] [--workers 2] \
        [--runs 3] [--batch-size 500] [--batch-events 100000] \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] \
        [--output docs/benchmarks-execution.md] [--summary docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import math
import os
import platform
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
API = "/api/v1"
BATCH_PATH = f"{API}/ledger-batches"
PASSWORD = "bench-password-1"
DEPOT_ORGANISATIONS = 4
DEPOTS_PER_ORGANISATION = 2
# The events' days: the 23 days before yesterday, inside the open period (31 days by default:
# older days are closed to depot staff), whenever the benchmark runs.
FIRST_DAY = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=24)
# The section this benchmark owns in docs/benchmarks.md (benchmarks/run.py writes it too).
START_MARKER = "<!-- execution-load:start -->"
END_MARKER = "<!-- execution-load:end -->"


# ---------------------------------------------------------------- the database


def schema_url(admin_url: str, schema: str) -> str:
    """The URL whose connections work in `schema`."""
    from sqlalchemy.engine import make_url

    url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def execute(admin_url: str, statement: str) -> None:
    from sqlalchemy import text

    from kuznia.db import create_engine_for

    engine = create_engine_for(admin_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@dataclass
class World:
    """What the load works with: depot codes by organisation, users, contracts by item."""

    depots: dict[str, list[str]]  # logistics user's email -> its depots' codes
    contracts: dict[str, int]  # item code -> contract id
    groupings: list[str]
    planner: str
    postgres_version: str = ""


def build_world(url: str) -> World:
    """Migrate the schema and fill it: the `small` registry, depots, users, contracts."""
    from sqlalchemy import select, text

    from kuznia.auth import service as auth_service
    from kuznia.db import create_engine_for, session_scope, upgrade
    from kuznia.models import (
        Contract,
        ContractDelivery,
        ContractDeliveryPoint,
        ContractFunding,
        ContractStatus,
        ContractVersion,
        Depot,
        OrganisationKind,
        Role,
    )
    from kuznia.registry import import_instance
    from kuznia.synthetic import generate

    instance = generate("small", seed=7)
    engine = create_engine_for(url)
    try:
        upgrade(engine=engine)
        with session_scope(engine) as session:
            version = session.execute(text("SHOW server_version")).scalar_one()
            import_instance(session=session, instance=instance)
            auth_service.add_organisation(
                session=session, name="Ministry", kind=OrganisationKind.ministry
            )
            planner = "bench-planner@example.org"
            auth_service.add_user(
                session=session,
                email=planner,
                password=PASSWORD,
                role=Role.planner,
                organisation="Ministry",
            )
            depots: dict[str, list[str]] = {}
            for k in range(1, DEPOT_ORGANISATIONS + 1):
                name = f"Depot organisation {k}"
                organisation = auth_service.add_organisation(
                    session=session, name=name, kind=OrganisationKind.depot
                )
                email = f"depot-{k}@example.org"
                auth_service.add_user(
                    session=session,
                    email=email,
                    password=PASSWORD,
                    role=Role.logistics,
                    organisation=name,
                )
                codes = [f"d-{k}{chr(ord('a') + j)}" for j in range(DEPOTS_PER_ORGANISATION)]
                session.add_all(
                    Depot(code=code, name=code, region="r-1", organisation_id=organisation.id)
                    for code in codes
                )
                depots[email] = codes
            session.flush()
            # every depot receives under every contract (approval gives the depots there are)
            depot_ids = list(session.scalars(select(Depot.id).order_by(Depot.id)))
            contracts = {}
            for number, item in enumerate(sorted({line.item for line in instance.lines}), 1):
                line = next(line for line in instance.lines if line.item == item)
                contract = Contract(
                    number=f"B-{number:03d}",
                    producer=line.producer,
                    line=line.id,
                    item=item,
                    status=ContractStatus.signed,
                )
                contract_version = ContractVersion(
                    contract=contract, number=1, reason="benchmark", quantity=1e9, value=1e9
                )
                contract_version.deliveries = [
                    ContractDelivery(month=FIRST_DAY.strftime("%Y-%m"), quantity=1e9, price=1.0)
                ]
                contract_version.funding = [
                    ContractFunding(
                        fund=instance.funds[0].id, year=FIRST_DAY.year, amount=1e9, share=1.0
                    )
                ]
                contract.delivery_points = [
                    ContractDeliveryPoint(depot_id=depot_id) for depot_id in depot_ids
                ]
                session.add(contract)
                session.flush()
                contracts[item] = contract.id
        return World(
            depots=depots,
            contracts=contracts,
            groupings=[grouping.id for grouping in instance.groupings],
            planner=planner,
            postgres_version=str(version),
        )
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# uvicorn's HTTP parser and event loop: `kuznia serve`'s with the `web` extra, and without.
FAST_IO = ("httptools", "uvloop")
PLAIN_IO = ("h11", "asyncio")


class Server:
    """uvicorn serving `kuznia.main:create_app` (in `workers` processes), in its own session."""

    def __init__(self, url: str, log: Path, workers: int, io: tuple[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "kuznia.main:create_app",
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(workers),
                    "--no-access-log",
                    "--http",
                    io[0],
                    "--loop",
                    io[1],
                    "--log-level",
                    "warning",
                ],
                env={**os.environ, "KUZNIA_DATABASE_URL": url},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 300.0) -> None:
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}{API}/openapi.json", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer in {timeout:.0f} s:\n{self.log.read_text()}")

    def settle(self, timeout: float = 120.0) -> None:
        """Wait until the server is idle (its start-up work, such as warming the web pages'
        caches, done): under 5% of a core over a second."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            before = self.cpu_seconds()
            time.sleep(1.0)
            if self.cpu_seconds() - before < 0.05:
                return

    def cpu_seconds(self) -> float:
        """User and system CPU the server's processes (uvicorn and its workers) have used."""
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                pid = int(stat.parent.name)
                if pid == self.process.pid or int(fields[1]) == self.process.pid:
                    total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


# ---------------------------------------------------------------- the load


@dataclass
class Event:
    kind: str  # "receipt" or "dispatch"
    path: str
    body: dict[str, Any]
    depot: str
    item: str
    delta: float  # what it changes the depot's stock of the item by


@dataclass
class Outcome:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: int = 0  # 5xx, or no answer
    unexpected: int = 0  # 4xx, or a retry answered 201, or a first send answered 200
    samples: list[str] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)  # when each request got its answer
    sent: list[Event] = field(default_factory=list)  # each event recorded, once


def client_events(
    rng: random.Random, *, depots: list[str], items: list[str], groupings: list[str],
    contracts: dict[str, int], count: int, prefix: str,
) -> list[Event]:  # fmt: skip
    """One client's events, in the order it sends them: it dispatches only what its own
    earlier receipts accepted."""
    balance: dict[tuple[str, str], float] = defaultdict(float)
    events: list[Event] = []
    for number in range(count):
        day = (FIRST_DAY + dt.timedelta(days=number * 23 // max(count, 1))).isoformat()
        stocked = [key for key, units in balance.items() if units >= 1]
        key = f"{prefix}-{number}"
        if not stocked or rng.random() < 0.5:
            depot, item = rng.choice(depots), rng.choice(items)
            accepted = rng.randint(5, 40)  # whole units (decision 0010)
            rejected = rng.randint(1, 3) if rng.random() < 0.1 else 0
            body = {
                "client_key": key,
                "depot": depot,
                "contract_id": contracts[item],
                "day": day,
                "lot": f"lot-{number % 97}",
                "received": accepted + rejected,
                "accepted": accepted,
                "rejected": rejected,
                "reason": "damaged packaging" if rejected else "",
            }
            balance[(depot, item)] += accepted
            events.append(Event("receipt", f"{API}/receipts", body, depot, item, accepted))
        else:
            depot, item = rng.choice(stocked)
            quantity = rng.randint(1, int(min(balance[(depot, item)], 30)))
            body = {
                "client_key": key,
                "depot": depot,
                "item": item,
                "grouping": rng.choice(groupings),
                "day": day,
                "quantity": quantity,
            }
            balance[(depot, item)] -= quantity
            events.append(Event("dispatch", f"{API}/dispatches", body, depot, item, -quantity))
    return events


async def _log_in(base: str, world: World) -> dict[str, str]:
    """A token per depot user."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        tokens = {}
        for email in world.depots:
            answer = await http.post(
                f"{API}/auth/login", json={"email": email, "password": PASSWORD}
            )
            answer.raise_for_status()
            tokens[email] = answer.json()["token"]
    return tokens


def _client_plans(
    world: World, tokens: dict[str, str], *, events: int, clients: int, seed: int
) -> list[tuple[str, list[Event], random.Random]]:
    """Each client's token, events and random numbers (for its retries), from `seed`."""
    emails = list(world.depots)
    items = sorted(world.contracts)
    rng = random.Random(seed)
    plans = []
    for k in range(clients):
        email = emails[k % len(emails)]
        count = events // clients + (1 if k < events % clients else 0)
        own = client_events(
            random.Random(rng.random()),
            depots=world.depots[email],
            items=items,
            groupings=world.groupings,
            contracts=world.contracts,
            count=count,
            prefix=f"c{k}-{uuid.uuid4().hex[:8]}",
        )
        plans.append((tokens[email], own, random.Random(rng.random())))
    return plans


async def _send(
    outcome: Outcome,
    http: httpx.AsyncClient,
    kind: str,
    event: Event,
    headers: dict[str, str],
    expect: int,
) -> None:
    """One event, sent again (same key) after a lost answer; what came back into `outcome`."""
    attempts = 0
    while True:
        attempts += 1
        began = time.perf_counter()
        try:
            answer = await http.post(event.path, json=event.body, headers=headers)
        except httpx.HTTPError as error:
            outcome.errors += 1
            if len(outcome.samples) < 5:
                outcome.samples.append(f"{kind} {event.body['client_key']}: no answer: {error!r}")
            if attempts < 5:
                await asyncio.sleep(0.5)
                continue  # the same key again: recorded once whatever happened
            raise
        outcome.latencies[kind].append(time.perf_counter() - began)
        outcome.finished.append(time.perf_counter())
        outcome.statuses[(kind, answer.status_code)] += 1
        if answer.status_code >= 500:
            outcome.errors += 1
        # a send after a lost answer may rightly find its record stored (200)
        elif answer.status_code != expect and not (attempts > 1 and answer.status_code == 200):
            outcome.unexpected += 1
        if answer.status_code >= 400 and len(outcome.samples) < 5:
            outcome.samples.append(
                f"{kind} {event.body} -> {answer.status_code} {answer.text[:300]}"
            )
        return


async def _send_batch(
    outcome: Outcome, http: httpx.AsyncClient, batch: list[Event], headers: dict[str, str]
) -> None:
    """One batch of a client's events (POST /ledger-batches), sent again after a lost answer
    (its keys make that safe); what came back into `outcome`."""
    body = {"events": [{"kind": event.kind, **event.body} for event in batch]}
    attempts = 0
    while True:
        attempts += 1
        began = time.perf_counter()
        try:
            answer = await http.post(BATCH_PATH, json=body, headers=headers)
        except httpx.HTTPError as error:
            outcome.errors += 1
            if len(outcome.samples) < 5:
                outcome.samples.append(f"batch of {len(batch)}: no answer: {error!r}")
            if attempts < 5:
                await asyncio.sleep(0.5)
                continue
            raise
        outcome.latencies["batch"].append(time.perf_counter() - began)
        outcome.finished.append(time.perf_counter())
        outcome.statuses[("batch", answer.status_code)] += 1
        if answer.status_code >= 500:
            outcome.errors += 1
        elif answer.status_code != 201 and not (attempts > 1 and answer.status_code == 200):
            outcome.unexpected += 1
        if answer.status_code >= 400 and len(outcome.samples) < 5:
            outcome.samples.append(f"batch -> {answer.status_code} {answer.text[:300]}")
        return


async def run_load(
    base: str, world: World, *, events: int, clients: int, retry_share: float, seed: int,
    batch_size: int = 0,
) -> tuple[Outcome, float]:  # fmt: skip
    """Send every client's events (and the retries among them), one per request or, with
    `batch_size`, that many per POST /ledger-batches; the outcome and seconds."""
    tokens = await _log_in(base, world)
    plans = _client_plans(world, tokens, events=events, clients=clients, seed=seed)
    outcome = Outcome()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def send(http: httpx.AsyncClient, kind: str, event: Event, headers: dict[str, str], expect: int) -> None:  # fmt: skip
        await _send(outcome, http, kind, event, headers, expect)

    async def client(token: str, own: list[Event], rng: random.Random) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
            if batch_size:
                for start in range(0, len(own), batch_size):
                    chunk = own[start : start + batch_size]
                    await _send_batch(outcome, http, chunk, headers)
                    outcome.sent.extend(chunk)
                return
            for index, event in enumerate(own):
                await send(http, event.kind, event, headers, 201)
                outcome.sent.append(event)
                if index and rng.random() < retry_share:
                    earlier = own[rng.randrange(index + 1)]
                    await send(http, "retry", earlier, headers, 200)

    async def progress() -> None:
        while True:
            await asyncio.sleep(60)
            done = len(outcome.finished)
            print(f"  {done:,} requests answered, {done / (time.perf_counter() - began):,.0f}/s", flush=True)  # fmt: skip

    began = time.perf_counter()
    reporter = asyncio.create_task(progress())
    try:
        await asyncio.gather(*(client(token, own, rng) for token, own, rng in plans))
    finally:
        reporter.cancel()
    return outcome, time.perf_counter() - began


# ---------------------------------------------------------------- checking


def check(base: str, url: str, world: World, outcome: Outcome) -> dict[str, Any]:
    """Compare the stock the API reports and the ledger in the database with the stream's;
    verify the audit chain."""
    from sqlalchemy import func, select

    from kuznia.audit import verify
    from kuznia.db import create_engine_for, session_scope
    from kuznia.models import DepotStock, Dispatch, Receipt

    expected: dict[tuple[str, str], float] = defaultdict(float)
    for event in outcome.sent:
        expected[(event.depot, event.item)] += event.delta
    login = httpx.post(
        f"{base}{API}/auth/login", json={"email": world.planner, "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    reported: dict[tuple[str, str], float] = {}
    offset = 0
    while True:
        page = httpx.get(
            f"{base}{API}/depot-stock",
            params={"limit": 1000, "offset": offset},
            headers=headers,
            timeout=60,
        ).json()
        for row in page["items"]:
            reported[(row["depot"], row["item"])] = row["quantity"]
        offset += len(page["items"])
        if offset >= page["total"] or not page["items"]:
            break
    receipts = [e for e in outcome.sent if e.kind == "receipt"]
    dispatches = [e for e in outcome.sent if e.kind == "dispatch"]
    engine = create_engine_for(url)
    try:
        with session_scope(engine) as session:
            stored = {
                "receipts": session.scalar(select(func.count()).select_from(Receipt)),
                "dispatches": session.scalar(select(func.count()).select_from(Dispatch)),
                "accepted": session.scalar(select(func.sum(Receipt.accepted))),
                "dispatched": session.scalar(select(func.sum(Dispatch.quantity))),
                "keys": session.scalar(select(func.count(func.distinct(Receipt.client_key))))
                + session.scalar(select(func.count(func.distinct(Dispatch.client_key)))),
                "stock rows": session.scalar(select(func.count()).select_from(DepotStock)),
            }
            began = time.perf_counter()
            chain = verify(session=session)
            verify_seconds = time.perf_counter() - began
    finally:
        engine.dispose()
    wanted = {
        "receipts": len(receipts),
        "dispatches": len(dispatches),
        "accepted": sum(e.delta for e in receipts),
        "dispatched": -sum(e.delta for e in dispatches),
        "keys": len(outcome.sent),
        "stock rows": len(expected),
    }
    return {
        "stock_rows": len(expected),
        "stock_exact": reported == dict(expected),
        "stock_differences": sum(
            1 for key in set(reported) | set(expected) if reported.get(key) != expected.get(key)
        ),
        "ledger": {name: (stored[name] or 0, wanted[name]) for name in wanted},
        "ledger_exact": all(stored[name] == wanted[name] for name in wanted),
        "chain_intact": chain.intact,
        "chain_events": chain.events,
        "chain_problem": None if chain.first_break is None else chain.first_break.problem,
        "verify_seconds": verify_seconds,
    }


# ---------------------------------------------------------------- the report


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile `q` (0-100) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(1, min(len(ordered), math.ceil(q / 100 * len(ordered)))) - 1]


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


@dataclass
class Run:
    """One measured load: its outcome, seconds, CPU and the load average around it."""

    outcome: Outcome
    seconds: float
    server_cpu: float
    client_cpu: float
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float]

    @property
    def events(self) -> int:
        return len(self.outcome.sent)

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.outcome.latencies.values())

    def latency(self, q: float) -> float:
        every = [x for values in self.outcome.latencies.values() for x in values]
        return percentile(every, q) * 1000


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _runs_table(runs: list[Run], *, per: str) -> list[str]:
    """A row per run and the medians: events, seconds, events/s, latency per request, server
    CPU per `per` ("request" or "event"), the 1-minute load average at the start."""
    lines = [
        f"| run | events | requests | s | events/s | p50 ms | p95 ms | p99 ms | server CPU ms/{per} | load avg (1 min) at start, end |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    rows = []
    for number, run in enumerate(runs, 1):
        divisor = run.requests if per == "request" else run.events
        row = (run.events / run.seconds, run.latency(50), run.latency(95), run.latency(99),
               run.server_cpu / max(divisor, 1) * 1000)  # fmt: skip
        rows.append(row)
        lines.append(
            f"| {number} | {run.events:,} | {run.requests:,} | {run.seconds:,.1f} | {row[0]:,.0f} | "
            f"{row[1]:.1f} | {row[2]:.1f} | {row[3]:.1f} | {row[4]:.2f} | "
            f"{run.load_start[0]:.1f}, {run.load_end[0]:.1f} |"
        )
    medians = [_median([row[k] for row in rows]) for k in range(5)]
    lines.append(
        f"| **median** | | | | **{medians[0]:,.0f}** | **{medians[1]:.1f}** | **{medians[2]:.1f}** | "
        f"{medians[3]:.1f} | **{medians[4]:.2f}** | |"
    )
    return lines


def _figures(runs: list[Run], per: str) -> dict[str, float]:
    return {
        "rate": _median([run.events / run.seconds for run in runs]),
        "p50": _median([run.latency(50) for run in runs]),
        "p95": _median([run.latency(95) for run in runs]),
        "cpu": _median(
            [run.server_cpu / max(run.requests if per == "request" else run.events, 1) * 1000
             for run in runs]
        ),
    }  # fmt: skip


def report(
    args: argparse.Namespace, world: World, singles: list[Run], batches: list[Run],
    checked: dict[str, Any], loads: dict[str, tuple[float, float, float]],
) -> str:  # fmt: skip
    every = [run.outcome for run in singles + batches]
    io = PLAIN_IO if args.plain_io else FAST_IO
    single = _figures(singles, "request") if singles else None
    batch = _figures(batches, "event") if batches else None
    intact = checked["stock_exact"] and checked["ledger_exact"] and checked["chain_intact"]
    errors = sum(o.errors for o in every)
    unexpected = sum(o.unexpected for o in every)
    lines = [
        "## The execution ledger under load (PostgreSQL)",
        "",
        "`make bench-execution` runs (`EVENTS=`, `BATCH_EVENTS=`, `RUNS=`, `WORKERS=` to change it):",
        "",
        "    " + args.command,
        "",
        f"Measured {dt.datetime.now(dt.UTC).date().isoformat()} on {machine()}, PostgreSQL "
        f"{world.postgres_version}, **shared with other work**: load average (1, 5, 15 min) "
        f"before the setup {_load(loads['before'])}, after the last run {_load(loads['end'])} "
        "(on 2 cores, a load above 2 means every process here waits for a CPU: the figures "
        "are lower bounds of what the code does on a quiet machine).",
        "",
        f"A fresh schema; the `small` registry (seed 7); {DEPOT_ORGANISATIONS} depot "
        f"organisations with {DEPOTS_PER_ORGANISATION} depots and a logistics user each; a "
        f"signed contract for each of {len(world.contracts)} items. The server: "
        f"`uvicorn kuznia.main:create_app --factory --workers {args.workers} --http "
        f"{io[0]} --loop {io[1]}` ({_processes(args.workers)}, as `kuznia serve --workers "
        f"{args.workers}` runs it {'without' if args.plain_io else 'with'} the `web` extra installed), "
        "access log off, tokens remembered for KUZNIA_TOKEN_CACHE_SECONDS (default 5 s); the "
        f"load: {args.clients} clients in one asyncio process (httpx, one connection each) on "
        "the same cores. Every request carries the logistics user's token and is "
        "authenticated, checked against the user's depots, written with its audit events "
        "(appended together at the commit, one lock of the chain's head per request, released "
        "at the COMMIT without waiting for the disk: decision 0019) and durable before it is "
        "answered (a flush barrier after the COMMIT). Each client works at one depot and dispatches only "
        "what its own answered receipts put there.",
        "",
        "| figure (median of the runs) | goal (issue 16) | measured |",
        "|---|---|---|",
    ]
    if single is not None:
        lines += [
            f"| server CPU per single event | ≤ 2.5 ms | {single['cpu']:.2f} ms |",
            f"| single events per second, {args.clients} clients | ≥ 300 | {single['rate']:,.0f} |",
            f"| p95 latency of a single event | ≤ 100 ms | {single['p95']:.0f} ms (p50 {single['p50']:.0f} ms) |",
        ]  # fmt: skip
    if batch is not None:
        lines.append(
            f"| events per second in batches of {args.batch_size} | ≥ 5,000 | {batch['rate']:,.0f} "
            f"(server CPU {batch['cpu']:.2f} ms per event) |"
        )
    lines += [
        f"| nothing lost, chain intact | yes | {'yes' if intact and not errors else '**no**'} |",
        "",
    ]
    if singles:
        lines += [
            f"### Single events: POST /receipts and POST /dispatches, {args.clients} clients",
            "",
            f"{args.runs} runs of {args.events:,} events (receipts with acceptance, 10% with a "
            "rejection, and dispatches to groupings), each with its own client key; "
            f"{args.retry_share:.0%} of them followed by a retry of an earlier event of the "
            "same client, unchanged (answered 200, recorded nothing). Server CPU is per "
            "request (the retries included).",
            "",
            *_runs_table(singles, per="request"),
            "",
        ]
    if batches:
        lines += [
            f"### Batches: POST /ledger-batches, {args.batch_size} events each, {args.clients} clients",
            "",
            f"{args.runs} runs of {args.batch_events:,} events of the same mix, each client "
            f"sending its own events in order, {args.batch_size} to a request (latency is per "
            "batch, server CPU per event).",
            "",
            *_runs_table(batches, per="event"),
            "",
        ]  # fmt: skip
    statuses: Counter[tuple[str, int]] = Counter()
    for outcome in every:
        statuses.update(outcome.statuses)
    ledger = checked["ledger"]
    lines += [
        "Answers: " + ", ".join(f"{kind} {status}: {n:,}" for (kind, status), n in sorted(statuses.items()))
        + f". Errors (5xx or no answer): {errors}; any other unexpected answer: {unexpected}.",
        "",
        "The check after every run:",
        "",
        f"- stock per depot and item, as GET /depot-stock reports it: {checked['stock_rows']} rows, "
        + ("**equal to the stream's**" if checked["stock_exact"] else f"**{checked['stock_differences']} differ**")
        + ";",
        f"- the ledger in the database: receipts {ledger['receipts'][0]:,} "
        f"(stream {ledger['receipts'][1]:,}), dispatches {ledger['dispatches'][0]:,} "
        f"({ledger['dispatches'][1]:,}), accepted {ledger['accepted'][0]:,.0f} "
        f"({ledger['accepted'][1]:,.0f}), dispatched {ledger['dispatched'][0]:,.0f} "
        f"({ledger['dispatched'][1]:,.0f}), distinct client keys {ledger['keys'][0]:,} "
        f"({ledger['keys'][1]:,}): " + ("**exact**" if checked["ledger_exact"] else "**NOT exact**") + ";",
        f"- the audit chain: {checked['chain_events']:,} events, "
        + ("**intact**" if checked["chain_intact"] else f"**broken**: {checked['chain_problem']}")
        + f" (verified in {checked['verify_seconds']:.1f} s).",
    ]  # fmt: skip
    samples = [sample for outcome in every for sample in outcome.samples][:5]
    if samples:
        lines += ["", "First problems:", ""] + [f"- `{s}`" for s in samples]
    return "\n".join(lines) + "\n"


def _processes(workers: int) -> str:
    return "one process" if workers == 1 else f"{workers} worker processes"


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def write_section(summary: Path, section: str) -> None:
    """Put `section` between the markers in `summary`, replacing what was there (or at the
    end, the first time)."""
    block = f"{START_MARKER}\n{section.strip()}\n{END_MARKER}"
    text = summary.read_text() if summary.exists() else ""
    if START_MARKER in text and END_MARKER in text:
        head, rest = text.split(START_MARKER, 1)
        _, tail = rest.split(END_MARKER, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    summary.write_text(text)


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="single events per run")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--workers", type=int, default=2, help="uvicorn worker processes (default 2)."
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of each kind (medians)")
    parser.add_argument(
        "--batch-size", type=int, default=500, help="events per batch; 0: no batch runs"
    )
    parser.add_argument("--batch-events", type=int, default=100_000, help="events per batch run")
    parser.add_argument("--retry-share", type=float, default=0.01)
    parser.add_argument(
        "--plain-io",
        action="store_true",
        help="serve with h11 and asyncio instead of httptools and uvloop (to compare)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("KUZNIA_BENCH_DATABASE_URL", DEFAULT_URL),
        help="A PostgreSQL database; the run works in a fresh schema of it, dropped at the end.",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks-execution.md")
    parser.add_argument("--summary", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    args.command = "python benchmarks/execution_load.py " + " ".join(sys.argv[1:])
    loads = {"before": os.getloadavg()}
    schema = f"bench_execution_{os.getpid()}"
    execute(args.database_url, f'CREATE SCHEMA "{schema}"')
    url = schema_url(args.database_url, schema)
    server: Server | None = None
    log = Path(tempfile.gettempdir()) / f"kuznia-execution-load-{os.getpid()}.log"
    singles: list[Run] = []
    batches: list[Run] = []
    try:
        print(f"setting up schema {schema} ...", flush=True)
        world = build_world(url)
        server = Server(url, log, args.workers, PLAIN_IO if args.plain_io else FAST_IO)
        server.wait_ready()
        server.settle()
        kinds = [("single", 0, args.events)] * (args.runs if args.events else 0)
        if args.batch_size:
            kinds += [("batch", args.batch_size, args.batch_events)] * args.runs
        for number, (kind, size, events) in enumerate(kinds):
            print(f"{kind} run: {events:,} events from {args.clients} clients ...", flush=True)
            run = _measure(server, world, args, events=events, batch_size=size, seed=args.seed + number)  # fmt: skip
            (batches if size else singles).append(run)
            print(f"  {run.events / run.seconds:,.0f} events/s, p95 {run.latency(95):.0f} ms", flush=True)  # fmt: skip
        loads["end"] = os.getloadavg()
        print("checking ...", flush=True)
        combined = Outcome()
        for run in singles + batches:
            combined.sent.extend(run.outcome.sent)
        checked = check(server.base, url, world, combined)
        section = report(args, world, singles, batches, checked, loads)
    finally:
        if server is not None:
            server.stop()
        execute(args.database_url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    print(section)
    args.output.write_text(section + _kept_sections(args.output))
    write_section(args.summary, section)
    print(f"written to {args.output} and its section in {args.summary}")
    if not (checked["stock_exact"] and checked["ledger_exact"] and checked["chain_intact"]):
        sys.exit(1)
    if any(run.outcome.errors or run.outcome.unexpected for run in singles + batches):
        print(f"server log: {log}")
        sys.exit(1)
    log.unlink(missing_ok=True)


def _measure(
    server: Server, world: World, args: argparse.Namespace, *, events: int, batch_size: int,
    seed: int,
) -> Run:  # fmt: skip
    """One load against the running server, with its CPU and the load average around it."""
    load_start = os.getloadavg()
    server_cpu, client_cpu = server.cpu_seconds(), _own_cpu()
    outcome, seconds = asyncio.run(
        run_load(
            server.base,
            world,
            events=events,
            clients=args.clients,
            retry_share=args.retry_share,
            seed=seed,
            batch_size=batch_size,
        )
    )
    return Run(
        outcome=outcome,
        seconds=seconds,
        server_cpu=server.cpu_seconds() - server_cpu,
        client_cpu=_own_cpu() - client_cpu,
        load_start=load_start,
        load_end=os.getloadavg(),
    )


# Sections of the output file written by other runs (kept when this one rewrites the file):
# from the first of these headings to the end.
KEPT_HEADINGS = (
    "## Before and after",
    "## The code before issue 16, under the same load",
    "## SQLite: synchronous=FULL against NORMAL",
)


def _kept_sections(output: Path) -> str:
    """The output file's sections this benchmark does not write, to keep."""
    text = output.read_text() if output.exists() else ""
    starts = [text.index(heading) for heading in KEPT_HEADINGS if heading in text]
    return "\n" + text[min(starts) :] if starts else ""


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
