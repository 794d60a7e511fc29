"""Faults: the real server (`kuznia serve`, its own process) is killed with SIGKILL in the middle
of a stream of receipts and dispatches sent by four clients at once; it is started again and
the whole stream is sent again with the same client keys. Every key must be recorded exactly
once, the ledger's sums and the stock must be the stream's, every answer of the second pass a
201 (not recorded before) or a 200 (recorded before the kill, perhaps with its answer lost),
and the audit chain intact. On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from kuznia.audit import verify
from kuznia.db import create_engine_for, session_scope, upgrade
from kuznia.models import DepotStock, Dispatch, Receipt
from tests.api.conftest import PASSWORD, USERS, populate
from tests.logistics.builders import add_contract, add_depot

EVENTS = 160  # after the first receipt, which stocks the depot for every dispatch
KILL_AFTER = 50  # answers of the first pass before the kill
CLIENTS = 4
API = "/api/v1"


@dataclass
class Event:
    path: str
    body: dict[str, Any]


def stream(contract_id: int) -> list[Event]:
    """A first receipt of 2,000 accepted, then receipts and dispatches in a seeded mix; the
    dispatches take less than the first receipt gave, so any order of them is valid."""
    rng = random.Random(20261124)
    events = [
        Event(
            "/receipts",
            {
                "client_key": "stock-first",
                "depot": "d-north",
                "contract_id": contract_id,
                "day": "2026-11-02",
                "received": 2000,
                "accepted": 2000,
                "rejected": 0,
            },
        )
    ]
    for number in range(EVENTS):
        day = f"2026-11-{3 + number % 20:02d}"
        if rng.random() < 0.5:
            accepted, rejected = rng.randint(1, 30), rng.choice([0, 0, 0, 2])
            events.append(
                Event(
                    "/receipts",
                    {
                        "client_key": f"r-{number}",
                        "depot": "d-north",
                        "contract_id": contract_id,
                        "day": day,
                        "received": accepted + rejected,
                        "accepted": accepted,
                        "rejected": rejected,
                        "reason": "damaged in transit" if rejected else "",
                    },
                )
            )
        else:
            events.append(
                Event(
                    "/dispatches",
                    {
                        "client_key": f"d-{number}",
                        "depot": "d-north",
                        "item": "art-155",
                        "grouping": rng.choice(["g-east", "g-south"]),
                        "day": day,
                        "quantity": rng.randint(1, 20),
                    },
                )
            )
    return events


class Server:
    """`kuznia serve` on a free port, as its own process, its output in a log file."""

    def __init__(self, url: str, log: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}{API}"
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from kuznia.cli.main import app; app()",
                    "serve",
                    "--port",
                    str(self.port),
                ],
                env={**os.environ, "KUZNIA_DATABASE_URL": url},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, f"the server exited:\n{log.read_text()}"
            try:
                httpx.get(f"{self.base}/openapi.json", timeout=2).raise_for_status()
                return
            except httpx.TransportError:
                assert time.monotonic() < deadline, f"the server did not start:\n{log.read_text()}"
                time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, transactions cut wherever they are."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> tuple[str, int, Path]:
    """A migrated database holding VARIED, its users, depot d-north of Depot North and
    signed contract C-1 for art-155: its URL, the contract's id and a log file."""
    engine = create_engine_for(database_url)
    try:
        upgrade(engine=engine)
        populate(engine)
        with session_scope(engine) as session:
            add_depot(session, code="d-north", organisation="Depot North")
            contract = add_contract(
                session,
                number="C-1",
                producer="p1",
                line="l1",
                item="art-155",
                schedule={"2026-11": 5000},
            )
            contract_id = contract.id
    finally:
        engine.dispose()
    return database_url, contract_id, tmp_path / "server.log"


def send(
    server: Server, token: str, events: list[Event], *, stop_after: int | None, on_stop: Any
) -> Counter[int]:
    """Send `events` from CLIENTS threads, each taking the next event; the statuses answered
    (a request without an answer is counted as 0 and ends its thread). After `stop_after`
    answers, `on_stop()` is called once."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    position = iter(range(len(events)))
    answered = [0]

    def client() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.base, headers=headers, timeout=30) as http:
            while True:
                with lock:
                    index = next(position, None)
                if index is None:
                    return
                event = events[index]
                try:
                    status = http.post(event.path, json=event.body).status_code
                except httpx.TransportError:
                    with lock:
                        statuses[0] += 1
                    return
                with lock:
                    statuses[status] += 1
                    answered[0] += 1
                    if answered[0] == stop_after:
                        on_stop()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def test_a_killed_server_loses_nothing_and_records_nothing_twice(
    served: tuple[str, int, Path],
) -> None:
    url, contract_id, log = served
    events = stream(contract_id)
    receipts = [e.body for e in events if e.path == "/receipts"]
    dispatches = [e.body for e in events if e.path == "/dispatches"]
    accepted = sum(body["accepted"] for body in receipts)
    dispatched = sum(body["quantity"] for body in dispatches)

    server = Server(url, log)
    try:
        login = httpx.post(
            f"{server.base}/auth/login",
            json={"email": USERS["logistics"][0], "password": PASSWORD},
        )
        token = login.json()["token"]
        first = httpx.post(
            f"{server.base}{events[0].path}",
            json=events[0].body,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert first.status_code == 201, first.text
        before_kill = send(server, token, events[1:], stop_after=KILL_AFTER, on_stop=server.kill)
    finally:
        server.stop()
    server = Server(url, log)
    try:
        again = send(server, token, events, stop_after=None, on_stop=None)
    finally:
        server.stop()

    assert set(before_kill) == {0, 201}, before_kill
    assert before_kill[201] >= KILL_AFTER, before_kill
    assert set(again) == {200, 201}, again  # nothing refused, nothing failed, nothing lost
    assert again[200] >= 1 + before_kill[201], again
    assert again[201] >= 1, again
    assert again[200] + again[201] == len(events)
    engine = create_engine_for(url)
    try:
        with session_scope(engine) as session:
            keys = list(session.scalars(select(Receipt.client_key)))
            keys += list(session.scalars(select(Dispatch.client_key)))
            assert Counter(keys) == Counter(e.body["client_key"] for e in events)
            assert session.scalar(select(func.sum(Receipt.accepted))) == accepted
            assert session.scalar(select(func.sum(Dispatch.quantity))) == dispatched
            assert session.scalar(select(DepotStock.quantity)) == accepted - dispatched
            chain = verify(session=session)
            assert (chain.intact, chain.first_break) == (True, None)
            # a receipt is two events (the row, the stock) and a dispatch two; the first
            # receipt also moved the contract into delivery
            assert chain.events >= 2 * len(events) + 1
    finally:
        engine.dispose()
