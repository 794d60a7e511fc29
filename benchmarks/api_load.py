"""The REST API under concurrent load, on SQLite and on PostgreSQL; writes docs/benchmarks-api.md.

For each backend: a fresh database (an SQLite file in a temporary directory; a PostgreSQL
database made for the run), `kuznia db upgrade`, `kuznia import` of the national instance
(timed, on a fresh database each time), a planner user, and `kuznia serve` as its own process.
Then a load generator in this process (asyncio + httpx, on loopback) runs each mix at each
concurrency, bounded by a request count and a time limit, and measures every request's latency
on the client side:

- reads: pages of lines with filters, one line, pages of needs with filters, the settings;
- writes: read a random line, then PATCH its price on the version read (a 409 is a conflict,
  counted apart, not retried);
- contended writes: the same, with every client on the same few lines.

After each write mix the lines are read back: every successful PATCH must have moved its line's
version by one and its price by one (no lost update). Any 5xx or connection error is an error;
the first few are printed with the server's log. The server and the database are stopped and
dropped at the end, whatever happens.

    python benchmarks/api_load.py --output docs/benchmarks-api.md \
        [--requests 4000] [--seconds 10] [--concurrency 8,32] [--imports 3]
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
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
KUZNIA = str(Path(sys.executable).with_name("kuznia"))
SEED = 7
EMAIL = "bench-planner@example.org"
PASSWORD = "bench-password-1"
API = "/api/v1"
READ_WEIGHTS = {"lines page": 35, "one line": 25, "needs page": 30, "settings": 10}
PAGE_LIMIT = 1000  # the API's largest page


class Interrupted(Exception):
    """SIGTERM: stop, but clean up first."""


# ---------------------------------------------------------------- databases and the server


class Backend:
    """Where one backend's databases live; `fresh()` gives the URL of a new, empty one."""

    name = ""

    def fresh(self) -> str:
        raise NotImplementedError

    def cleanup(self) -> None:
        raise NotImplementedError


class SQLiteBackend(Backend):
    name = "SQLite"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    def fresh(self) -> str:
        self.count += 1
        path = self.directory / f"kuznia-{self.count}.db"
        return f"sqlite:///{path.as_posix()}"

    def cleanup(self) -> None:
        pass  # the temporary directory goes with the run


class PostgresBackend(Backend):
    name = "PostgreSQL"

    def __init__(self, admin_url: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        self.admin = make_url(admin_url)
        self.database = f"kuznia_bench_api_{os.getpid()}"
        self.made = False
        self._psycopg = psycopg

    def _admin(self) -> Any:
        url = self.admin
        return self._psycopg.connect(
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password,
            dbname=url.database or "postgres",
            autocommit=True,
        )

    def fresh(self) -> str:
        with self._admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{self.database}"')
        self.made = True
        url = self.admin.set(drivername="postgresql+psycopg", database=self.database)
        return url.render_as_string(hide_password=False)

    def cleanup(self) -> None:
        if self.made:
            with self._admin() as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self.made = False
            print(f"  dropped database {self.database}")


def kuznia(url: str, *args: str, stdin: str | None = None) -> tuple[str, float]:
    """Run `kuznia ARGS` on the database at `url`; its output and wall seconds."""
    env = {**os.environ, "KUZNIA_DATABASE_URL": url}
    began = time.perf_counter()
    done = subprocess.run(
        [KUZNIA, *args], env=env, input=stdin, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(
            f"kuznia {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout, seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class Server:
    """`kuznia serve` in its own process (and process group), its output in a log file."""

    def __init__(self, url: str, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "KUZNIA_DATABASE_URL": url}
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [KUZNIA, "serve", "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60.0) -> float:
        began = time.perf_counter()
        while time.perf_counter() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"kuznia serve exited {self.process.returncode}:\n{self.text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}{API}/openapi.json", timeout=2).status_code == 200:
                    return time.perf_counter() - began
            time.sleep(0.2)
        raise RuntimeError(f"kuznia serve did not answer within {timeout:.0f} s:\n{self.text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def failures(self) -> tuple[Counter[str], dict[str, str]]:
        """What went wrong in the server's log: how often each kind of entry came (a 500 the
        application logged, `Exception in ASGI application`, any other ERROR or WARNING) with
        the exception that ended it, and the first entry of each kind, abridged to Kuznia's
        own frames and the exception."""
        lines = self.text().splitlines()
        start = re.compile(r"^(unexpected error on |ERROR:|WARNING:|CRITICAL:)")
        boundary = re.compile(r"^((INFO|ERROR|WARNING|CRITICAL|DEBUG):|unexpected error on )")
        exception = re.compile(r"^[\w.]+(Error|Exception|Warning)\b")
        kinds: Counter[str] = Counter()
        firsts: dict[str, str] = {}
        k = 0
        while k < len(lines):
            if not start.match(lines[k]):
                k += 1
                continue
            end = k + 1
            while end < len(lines) and not boundary.match(lines[end]):
                end += 1
            entry = lines[k:end]
            head = entry[0]
            if head.startswith("unexpected error on "):
                head = "500 (logged by the application)"
            else:
                head = re.sub(r"\s+", " ", head)[:120]
            final = [x for x in entry if exception.match(x)]
            kind = head + (f": {final[-1][:200]}" if final else "")
            kinds[kind] += 1
            if kind not in firsts:
                kept = [entry[0]]
                for n, line in enumerate(entry[1:], start=1):
                    if "/src/kuznia/" in line:
                        kept += entry[n : n + 2]
                    elif exception.match(line) or line.startswith(("[SQL", "[parameters")):
                        kept.append(line[:300])
                firsts[kind] = "\n".join(kept)
            k = end
        return kinds, firsts


# ---------------------------------------------------------------- the load generator


@dataclass
class Registry:
    """What the load picks from: line ids and the codes the filters name."""

    line_ids: list[int]
    producers: list[str]
    items: list[str]
    categories: list[str]
    groupings: list[str]
    months: int
    needs: int


@dataclass
class Outcome:
    """Every request of one run of a mix."""

    mix: str
    concurrency: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    patch_statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0  # 5xx or no answer
    other: int = 0  # 4xx other than a write's 409
    conflicts: int = 0
    samples: list[str] = field(default_factory=list)  # the first few errors, described
    applied: Counter[int] = field(default_factory=Counter)  # line id -> successful PATCHes
    elapsed: float = 0.0
    check: str = ""
    check_ok: bool | None = None
    own_reads: int = 0  # own writes: GETs right after the client's own successful PATCH
    stale: int = 0  # ... that showed the line as it was before that PATCH
    stale_samples: list[str] = field(default_factory=list)

    @property
    def all_latencies(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]


class Load:
    def __init__(self, base: str, token: str, registry: Registry, *, seed: int) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.registry = registry
        self.random = random.Random(seed)

    async def request(
        self,
        client: httpx.AsyncClient,
        outcome: Outcome,
        kind: str,
        method: str,
        path: str,
        **options: Any,
    ) -> httpx.Response | None:
        began = time.perf_counter()
        try:
            response = await client.request(method, path, headers=self.headers, **options)
        except httpx.HTTPError as error:
            seconds = time.perf_counter() - began
            outcome.latencies.setdefault(kind, []).append(seconds)
            outcome.errors += 1
            if len(outcome.samples) < 5:
                outcome.samples.append(
                    f"{method} {path}: no answer: {type(error).__name__} {error}"
                )
            return None
        seconds = time.perf_counter() - began
        outcome.latencies.setdefault(kind, []).append(seconds)
        outcome.statuses[response.status_code] += 1
        if response.status_code >= 500:
            outcome.errors += 1
            if len(outcome.samples) < 5:
                body = options.get("json")
                outcome.samples.append(
                    f"{method} {path}"
                    + (f" {_short(body)}" if body is not None else "")
                    + f" -> {response.status_code} {response.text[:300]}"
                )
        elif response.status_code >= 400 and not (
            response.status_code == 409 and method == "PATCH"
        ):
            outcome.other += 1
            if len(outcome.samples) < 5:
                outcome.samples.append(
                    f"{method} {path} -> {response.status_code} {response.text[:300]}"
                )
        return response

    def read_request(self) -> tuple[str, str, dict[str, Any]]:
        r, reg = self.random, self.registry
        kind = r.choices(list(READ_WEIGHTS), weights=list(READ_WEIGHTS.values()))[0]
        if kind == "lines page":
            params: dict[str, Any] = {"limit": 50}
            choice = r.randrange(4)
            if choice == 0:
                params["producer"] = r.choice(reg.producers)
            elif choice == 1:
                params["item"] = r.choice(reg.items)
            elif choice == 2:
                params["category"] = r.choice(reg.categories)
            else:
                params["offset"] = r.randrange(0, len(reg.line_ids), 50)
            return kind, "/lines", params
        if kind == "one line":
            return kind, f"/lines/{r.choice(reg.line_ids)}", {}
        if kind == "needs page":
            params = {"limit": 100}
            choice = r.randrange(3)
            if choice == 0:
                params["priority"] = r.randint(1, 3)
                params["month"] = r.randrange(reg.months)
            elif choice == 1:
                params["item"] = r.choice(reg.items)
                params["grouping"] = r.choice(reg.groupings)
            else:
                params["offset"] = r.randrange(0, max(1, reg.needs - 100))
            return kind, "/needs", params
        return kind, "/settings", {}

    async def write(self, client: httpx.AsyncClient, outcome: Outcome, line_id: int) -> None:
        response = await self.request(client, outcome, "GET line", "GET", f"{API}/lines/{line_id}")
        if response is None or response.status_code != 200:
            return
        line = response.json()
        body = {"version": line["version"], "price": _plus_one(line["price"])}
        answer = await self.request(
            client, outcome, "PATCH line", "PATCH", f"{API}/lines/{line_id}", json=body
        )
        if answer is None:
            return
        outcome.patch_statuses[answer.status_code] += 1
        if answer.status_code == 200:
            outcome.applied[line_id] += 1
        elif answer.status_code == 409:
            outcome.conflicts += 1

    async def own_writes(
        self,
        client: httpx.AsyncClient,
        outcome: Outcome,
        line_id: int,
        budget: list[int],
        deadline: float,
    ) -> None:
        """One client on a line of its own: PATCH, then GET it back, again and again; the GET
        must show the version the PATCH answered with (read your own writes)."""
        response = await self.request(client, outcome, "GET line", "GET", f"{API}/lines/{line_id}")
        line = response.json() if response is not None and response.status_code == 200 else None
        while line is not None and time.perf_counter() < deadline and budget[0] >= 2:
            budget[0] -= 2
            body = {"version": line["version"], "price": _plus_one(line["price"])}
            answer = await self.request(
                client, outcome, "PATCH line", "PATCH", f"{API}/lines/{line_id}", json=body
            )
            if answer is not None:
                outcome.patch_statuses[answer.status_code] += 1
                if answer.status_code == 200:
                    outcome.applied[line_id] += 1
                elif answer.status_code == 409:
                    outcome.conflicts += 1
            response = await self.request(
                client, outcome, "GET line", "GET", f"{API}/lines/{line_id}"
            )
            if response is None or response.status_code != 200:
                return
            line = response.json()
            if answer is not None and answer.status_code == 200:
                outcome.own_reads += 1
                written = answer.json()
                if line["version"] < written["version"]:
                    outcome.stale += 1
                    if len(outcome.stale_samples) < 3:
                        outcome.stale_samples.append(
                            f"PATCH /lines/{line_id} -> 200 version {written['version']}, "
                            f"then GET /lines/{line_id} -> version {line['version']}"
                        )

    async def run(
        self,
        mix: str,
        concurrency: int,
        *,
        requests: int,
        seconds: float,
        hot: list[int] | None = None,
    ) -> Outcome:
        """`concurrency` clients issue the mix until `requests` were sent or `seconds` passed."""
        outcome = Outcome(mix=mix, concurrency=concurrency)
        budget = [requests]
        deadline = time.perf_counter() + seconds
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(
            base_url=self.base, limits=limits, timeout=httpx.Timeout(30.0)
        ) as client:

            async def client_loop(k: int) -> None:
                if mix == "own writes":
                    line_id = self.registry.line_ids[k * len(self.registry.line_ids) // concurrency]
                    await self.own_writes(client, outcome, line_id, budget, deadline)
                    return
                while time.perf_counter() < deadline:
                    cost = 1 if mix == "reads" else 2
                    if budget[0] < cost:
                        return
                    budget[0] -= cost
                    if mix == "reads":
                        kind, path, params = self.read_request()
                        await self.request(client, outcome, kind, "GET", API + path, params=params)
                    else:
                        pool = hot if hot else self.registry.line_ids
                        await self.write(client, outcome, self.random.choice(pool))

            began = time.perf_counter()
            await asyncio.wait_for(
                asyncio.gather(*(client_loop(k) for k in range(concurrency))),
                timeout=seconds + 60,
            )
            outcome.elapsed = time.perf_counter() - began
        return outcome


def _plus_one(price: Any) -> Any:
    """The price one higher (every month's, when it is given per month)."""
    if isinstance(price, list):
        return [p + 1 for p in price]
    return price + 1


def _first(price: Any) -> float:
    return float(price[0] if isinstance(price, list) else price)


def _short(body: Any) -> str:
    text = str(body)
    return text if len(text) <= 120 else text[:117] + "..."


async def login(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        response = await client.post(
            f"{API}/auth/login", json={"email": EMAIL, "password": PASSWORD}
        )
        response.raise_for_status()
        token: str = response.json()["token"]
    return token


async def fetch_all(client: httpx.AsyncClient, headers: dict[str, str], path: str) -> list[Any]:
    records: list[Any] = []
    while True:
        response = await client.get(
            f"{API}{path}", params={"limit": PAGE_LIMIT, "offset": len(records)}, headers=headers
        )
        response.raise_for_status()
        page = response.json()
        records.extend(page["items"])
        if len(records) >= page["total"] or not page["items"]:
            return records


async def read_registry(base: str, token: str) -> Registry:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        lines = await fetch_all(client, headers, "/lines")
        producers = await fetch_all(client, headers, "/producers")
        items = await fetch_all(client, headers, "/items")
        groupings = await fetch_all(client, headers, "/groupings")
        settings = (await client.get(f"{API}/settings", headers=headers)).json()
        needs = (await client.get(f"{API}/needs", params={"limit": 1}, headers=headers)).json()[
            "total"
        ]
    return Registry(
        line_ids=[line["id"] for line in lines],
        producers=[p["code"] for p in producers],
        items=[i["code"] for i in items],
        categories=sorted({i["category"] for i in items}),
        groupings=[g["code"] for g in groupings],
        months=settings["months"],
        needs=needs,
    )


async def line_states(base: str, token: str) -> dict[int, tuple[int, float]]:
    """Every line's version and first month's price."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        lines = await fetch_all(client, headers, "/lines")
    return {line["id"]: (line["version"], _first(line["price"])) for line in lines}


def verify(
    outcome: Outcome, before: dict[int, tuple[int, float]], after: dict[int, tuple[int, float]]
) -> None:
    """Successful PATCHes against the versions and prices they moved: no update lost."""
    successes = sum(outcome.applied.values())
    increments = sum(after[k][0] - before[k][0] for k in before)
    wrong = [
        k
        for k in before
        if after[k][0] - before[k][0] != outcome.applied[k]
        or abs((after[k][1] - before[k][1]) - outcome.applied[k]) > 1e-6
    ]
    unknown = outcome.errors  # a PATCH without an answer may or may not have been applied
    ok = successes == increments and not wrong
    outcome.check_ok = ok if not unknown else None
    touched = len(outcome.applied)
    outcome.check = (
        f"{successes} successful PATCHes, {increments} version increments over "
        f"{touched} touched lines; lines whose version or price moved by other than their "
        f"successful PATCHes: {len(wrong)}"
        + (f" ({', '.join(map(str, wrong[:10]))})" if wrong else "")
        + (
            " -> no lost update"
            if ok
            else " -> MISMATCH"
            + (f" (but {unknown} requests had no usable answer)" if unknown else "")
        )
    )


# ---------------------------------------------------------------- measuring one backend


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile `q` (0-100) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclass
class BackendResult:
    name: str
    imports: list[float] = field(default_factory=list)
    import_reported: list[float] = field(default_factory=list)
    upgrade: float = 0.0
    startup: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)
    server_errors: Counter[str] = field(default_factory=Counter)
    first_errors: dict[str, str] = field(default_factory=dict)
    failure: str | None = None


def measure_backend(
    backend: Backend, instance: Path, work: Path, args: argparse.Namespace
) -> BackendResult:
    result = BackendResult(name=backend.name)
    server: Server | None = None
    try:
        url = ""
        for k in range(args.imports):
            url = backend.fresh()
            _, upgrade = kuznia(url, "db", "upgrade")
            result.upgrade = upgrade
            output, seconds = kuznia(url, "import", str(instance))
            result.imports.append(seconds)
            reported = re.search(r"\((\d+(?:\.\d+)?) s\)", output)
            if reported:
                result.import_reported.append(float(reported.group(1)))
            print(f"  import {k + 1}/{args.imports}: {seconds:.2f} s wall ({output.strip()[-60:]})")
        kuznia(url, "users", "add", EMAIL, "--role", "planner", "--organisation", "Ministry",
               "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
        port = args.port or free_port()
        server = Server(url, port, work / f"server-{backend.name.lower()}.log")
        result.startup = server.wait_ready()
        print(f"  kuznia serve on port {port}, answering after {result.startup:.1f} s")
        asyncio.run(load_backend(server.base, args, result))
    except Interrupted:
        raise
    except Exception as error:
        result.failure = f"{type(error).__name__}: {error}"
        print(f"  FAILED: {result.failure}", file=sys.stderr)
    finally:
        if server is not None:
            server.stop()
            result.server_errors, result.first_errors = server.failures()
            for kind, count in result.server_errors.most_common():
                print(f"  the server logged {count} x {kind}; the first:")
                print(_indent(result.first_errors[kind]))
        backend.cleanup()
    return result


async def load_backend(base: str, args: argparse.Namespace, result: BackendResult) -> None:
    token = await login(base)
    registry = await read_registry(base, token)
    print(
        f"  registry: {len(registry.line_ids)} lines, {len(registry.producers)} producers, "
        f"{registry.needs} needs"
    )
    load = Load(base, token, registry, seed=SEED)
    # Warm up: connections, caches, the server's first queries; not measured.
    await load.run("reads", max(args.concurrency), requests=args.warmup, seconds=args.seconds)
    await load.run("writes", max(args.concurrency), requests=args.warmup // 4, seconds=args.seconds)
    hot = random.Random(SEED).sample(registry.line_ids, args.hot_lines)
    schedule = [
        (mix, concurrency)
        for mix in ("reads", "writes", "contended writes")
        for concurrency in args.concurrency
    ]
    schedule.append(("own writes", min(args.concurrency)))
    for mix, concurrency in schedule:
        before = await line_states(base, token) if mix != "reads" else {}
        outcome = await load.run(
            mix,
            concurrency,
            requests=args.requests,
            seconds=args.seconds,
            hot=hot if mix == "contended writes" else None,
        )
        if mix != "reads":
            verify(outcome, before, await line_states(base, token))
        result.outcomes.append(outcome)
        _print_outcome(outcome)


def _print_outcome(outcome: Outcome) -> None:
    latencies = outcome.all_latencies
    n = len(latencies)
    print(
        f"  {outcome.mix:16} c={outcome.concurrency:<3} {n:6} requests in "
        f"{outcome.elapsed:5.1f} s = {n / outcome.elapsed:7.1f} rps; p50 "
        f"{percentile(latencies, 50) * 1000:.1f} ms, p95 {percentile(latencies, 95) * 1000:.1f}"
        f" ms, p99 {percentile(latencies, 99) * 1000:.1f} ms; errors {outcome.errors}, "
        f"conflicts {outcome.conflicts}, other 4xx {outcome.other}"
    )
    if outcome.check:
        print(f"    check: {outcome.check}")
    if outcome.own_reads:
        print(f"    read your writes: {_own_reads(outcome)}")
    for sample in outcome.samples:
        print(f"    error: {sample}")


def _own_reads(outcome: Outcome) -> str:
    return (
        f"{outcome.stale} of {outcome.own_reads} GETs right after the same client's own "
        "successful PATCH showed the line before that PATCH"
        + (f" (e.g. {outcome.stale_samples[0]})" if outcome.stale_samples else "")
    )


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


# ---------------------------------------------------------------- the report


def _ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:.1f}" if values else "—"


def _row(label: str, outcome: Outcome, values: list[float], extra: str) -> str:
    n = len(values)
    return (
        f"| {label} | {outcome.concurrency} | {n:,} | {outcome.elapsed:.1f} | "
        f"{n / outcome.elapsed:.0f} | {_ms(values, 50)} | {_ms(values, 95)} | "
        f"{_ms(values, 99)} | {extra} |"
    )


def _backend_section(r: BackendResult) -> list[str]:
    """One backend's runs: a row per mix (and its PATCHes), failures, checks and errors."""
    out: list[str] = []
    out += ["", f"## {r.name}", ""]
    if r.failure:
        out += [f"**The run failed**: `{r.failure}`", ""]
    if not r.outcomes:
        return out
    out += [
        "| mix | clients | requests | s | rps | p50 ms | p95 ms | p99 ms | errors · "
        "conflicts · other 4xx |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for o in r.outcomes:
        out.append(_row(o.mix, o, o.all_latencies, f"{o.errors} · {o.conflicts} · {o.other}"))
        if o.mix != "reads":
            patches = o.latencies.get("PATCH line", [])
            attempts = sum(o.patch_statuses.values())
            rate = f"{o.conflicts / attempts:.1%}" if attempts else "—"
            out.append(
                _row(
                    "↳ the PATCHes alone",
                    o,
                    patches,
                    f"{sum(o.applied.values()):,} applied, conflict rate {rate}",
                )
            )
    attempts = sum(sum(o.patch_statuses.values()) for o in r.outcomes)
    failed = sum(n for o in r.outcomes for c, n in o.patch_statuses.items() if c >= 500)
    unanswered = sum(o.errors for o in r.outcomes) - sum(
        n for o in r.outcomes for c, n in o.statuses.items() if c >= 500
    )
    if attempts:
        out += [
            "",
            f"PATCHes answered 5xx: {failed:,} of {attempts:,} answered "
            f"({failed / attempts:.1%}); requests of any kind without an answer: "
            f"{unanswered:,}.",
        ]
    reads = next((o for o in r.outcomes if o.mix == "reads"), None)
    if reads is not None:
        out += [
            "",
            f"Reads by kind at {reads.concurrency} clients (p50 / p95 / p99 ms): "
            + "; ".join(
                f"{kind} {_ms(v, 50)} / {_ms(v, 95)} / {_ms(v, 99)}"
                for kind, v in sorted(reads.latencies.items())
            )
            + ".",
        ]
    out += ["", "Checks after the write runs:", ""]
    for o in r.outcomes:
        if o.check:
            out.append(f"- {o.mix}, {o.concurrency} clients: {o.check}")
    for o in r.outcomes:
        if o.mix == "own writes":
            out.append(f"- own writes, read your writes: {_own_reads(o)}")
    return out + _errors_seen(r)


def _errors_seen(r: BackendResult) -> list[str]:
    """The first errors the client saw, and the server log's errors by kind."""
    out: list[str] = []
    samples = [(o, s) for o in r.outcomes for s in o.samples]
    if samples or r.server_errors:
        out += ["", "Errors seen (the first few):", ""]
        out += [f"- {o.mix}, {o.concurrency} clients: `{s}`" for o, s in samples[:10]]
        if r.server_errors and any("no answer" in s for _, s in samples):
            out += [
                "",
                "The requests without an answer follow the 500s: Starlette re-raises an "
                "unexpected error after its 500 handler has answered, and uvicorn then "
                "closes that keep-alive connection, so the client's next request on it "
                "fails (`ReadError`).",
            ]
        if r.server_errors:
            out += ["", "The server's log (errors and warnings, by kind):", ""]
            out += [f"- {n} × `{kind}`" for kind, n in r.server_errors.most_common()]
            shown: list[str] = []
            for kind, _ in r.server_errors.most_common(3):
                body = r.first_errors[kind].split("\n", 1)[-1]
                if body in shown:
                    continue
                shown.append(body)
                out += [
                    "",
                    "The first of these, abridged to Kuznia's frames:",
                    "",
                    "```",
                    r.first_errors[kind],
                    "```",
                ]
    return out


def render(args: argparse.Namespace, command: str, results: list[BackendResult], note: str) -> str:
    today = dt.datetime.now(dt.UTC).date().isoformat()
    cpu = _cpu_name()
    out = [
        "# The API under load",
        "",
        f"    {command}",
        "",
        f"Measured {today} on {os.cpu_count()} cores ({cpu}), shared with other work, Python "
        f"{platform.python_version()}; national instance (seed {SEED}). Options: "
        f"`--requests {args.requests} --seconds {args.seconds:g} --concurrency "
        f"{','.join(map(str, args.concurrency))} --imports {args.imports} --warmup "
        f"{args.warmup} --hot-lines {args.hot_lines}`.",
        "",
        "**The server and the load generator share the same 2 cores**: `kuznia serve` (one "
        "uvicorn process, its h11 HTTP parser, the routes in its thread pool) in its own process, "
        "the load generator (one asyncio process, httpx, one connection per client) beside it. "
        "What the client spends is taken from the server, so requests per second are a lower "
        "bound, and latencies include the client's own scheduling.",
        "",
        "Each run of a mix stops at whichever comes first: the request count or the time limit. "
        "Latency is measured per request on the client (`time.perf_counter` around the call, "
        "body read). An error is any 5xx or a request without an answer; a 409 on a PATCH is a "
        "conflict (the optimistic lock doing its job), counted apart and not retried. A warm-up "
        "of reads and writes ran first and is not counted.",
        "",
        "- **reads**: " + ", ".join(f"{k} {v}%" for k, v in READ_WEIGHTS.items()) + " — "
        "lines pages of 50 filtered by producer, item or category or at a random offset; needs "
        "pages of 100 filtered by priority and month, by item and grouping, or at a random offset.",
        "- **writes**: each client reads a random line of all 2,000 (GET) and PATCHes its price "
        "(+1 in every month) on the version read; two requests per write, both counted.",
        f"- **contended writes**: the same, every client on the same {args.hot_lines} lines.",
        f"- **own writes** (at {min(args.concurrency)} clients only): each client on a line of "
        "its own, PATCH then GET, again and again: no conflict should ever happen, and each GET "
        "should show the version its PATCH answered with (read your own writes).",
        "",
        "After each write run every line is read back: each line's version and price must have "
        "moved by exactly its successful PATCHes (no lost update).",
        "",
        "## In short",
        "",
        *[f"- {line}" for r in results for line in _summary(r)],
        "",
        "## National import (`kuznia import FILE` on a fresh, migrated database)",
        "",
        "| backend | runs, wall s (process start included) | median wall s | as the command "
        "reports it (file read + import) s |",
        "|---|---|---|---|",
    ]
    for r in results:
        if r.imports:
            out.append(
                f"| {r.name} | {', '.join(f'{s:.2f}' for s in r.imports)} | "
                f"{statistics.median(r.imports):.2f} | "
                f"{', '.join(f'{s:.1f}' for s in r.import_reported)} |"
            )
    out += [
        "",
        "The national instance: 500 producers, 2,000 lines, 43,478 needs, 10 funds, 36 months.",
    ]
    for r in results:
        out += _backend_section(r)
    if note:
        out += ["", note]
    return "\n".join(out) + "\n"


def _summary(r: BackendResult) -> list[str]:
    """The run of one backend in a few lines."""
    if not r.outcomes:
        return [f"{r.name}: the run failed ({r.failure})."]
    reads = [o for o in r.outcomes if o.mix == "reads"]
    writes = [o for o in r.outcomes if o.check]
    attempts = sum(sum(o.patch_statuses.values()) for o in r.outcomes)
    failed = sum(n for o in r.outcomes for c, n in o.patch_statuses.items() if c >= 500)
    lost = [o for o in writes if o.check_ok is False]
    own = [o for o in r.outcomes if o.own_reads]
    rps = [len(o.all_latencies) / o.elapsed for o in reads]
    lines = [
        f"{r.name}: reads {min(rps):.0f}–{max(rps):.0f} requests/s "
        f"({', '.join(f'p50 {_ms(o.all_latencies, 50)} ms at {o.concurrency}' for o in reads)} "
        f"clients); {failed:,} of {attempts:,} PATCHes answered 5xx"
        + (f" ({failed / attempts:.0%})" if attempts else "")
        + f"; lost updates: {'none' if not lost else len(lost)} "
        f"(in {len(writes)} write runs, {sum(sum(o.applied.values()) for o in writes):,} "
        "successful PATCHes checked)"
        + "".join(
            f"; a GET right after the client's own successful PATCH showed the previous "
            f"version {o.stale} times in {o.own_reads}"
            for o in own
        )
        + "."
    ]
    return lines


def _cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


# ---------------------------------------------------------------- main


@contextlib.contextmanager
def sigterm_as_exception() -> Iterator[None]:
    def handler(_signum: int, _frame: Any) -> None:
        raise Interrupted("terminated")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks-api.md")
    parser.add_argument("--requests", type=int, default=4000, help="At most, per run of a mix.")
    parser.add_argument("--seconds", type=float, default=10.0, help="At most, per run of a mix.")
    parser.add_argument(
        "--concurrency",
        type=lambda text: [int(c) for c in text.split(",")],
        default=[8, 32],
        help="Concurrent clients, comma-separated.",
    )
    parser.add_argument("--imports", type=int, default=3, help="Fresh imports timed per backend.")
    parser.add_argument("--warmup", type=int, default=400, help="Warm-up requests (not counted).")
    parser.add_argument("--hot-lines", type=int, default=5, help="Lines of the contended mix.")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="A PostgreSQL URL to connect to while making and dropping the run's database.",
    )
    parser.add_argument("--port", type=int, default=0, help="The server's port (0: a free one).")
    parser.add_argument(
        "--keep-logs", type=Path, default=None, help="A directory to copy the servers' logs to."
    )
    args = parser.parse_args(argv)
    command = ".venv/bin/python benchmarks/api_load.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    results: list[BackendResult] = []
    with sigterm_as_exception(), tempfile.TemporaryDirectory(prefix="kuznia-api-") as temp:
        work = Path(temp)
        instance = work / "national.json"
        _, seconds = kuznia(
            "sqlite:///" + (work / "unused.db").as_posix(),
            "generate", "national", "--seed", str(SEED), "--output", str(instance),
        )  # fmt: skip
        print(f"generated {instance.name} in {seconds:.1f} s")
        for name in args.backends.split(","):
            backend: Backend
            if name == "sqlite":
                backend = SQLiteBackend(work)
            elif name == "postgresql":
                try:
                    backend = PostgresBackend(args.postgres)
                    backend._admin().close()
                except Exception as error:
                    results.append(BackendResult(name="PostgreSQL", failure=str(error)))
                    print(f"PostgreSQL unavailable: {error}", file=sys.stderr)
                    continue
            else:
                parser.error(f"unknown backend {name!r}")
            print(f"{backend.name}:")
            results.append(measure_backend(backend, instance, work, args))
        logs = {p.name: p.read_text(errors="replace") for p in work.glob("server-*.log")}
        if args.keep_logs is not None:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            for name, text in logs.items():
                (args.keep_logs / name).write_text(text)
    total = time.perf_counter() - began
    note = (
        f"The whole run took {total:.0f} s; the machine's 1-minute load average was "
        f"{load_before:.1f} when it began and {os.getloadavg()[0]:.1f} when it ended "
        "(other work shares the 2 cores)."
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(args, command, results, note))
    print(f"wrote {args.output} ({total:.0f} s in all)")
    failed = any(r.failure for r in results)
    errors = any(o.errors or o.stale or o.check_ok is False for r in results for o in r.outcomes)
    if errors:
        for name, text in logs.items():
            print(f"--- the end of {name} ---\n{text[-2000:]}")
    return 1 if failed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
