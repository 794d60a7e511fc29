"""The web application's first requests after a start: `kuznia serve` on a database (make
serve's: out/demo.db, the national data set with the demo users and the execution demo), then
the login page, the first login (the form's POST), the first request of each page a planner
opens (the overview, the plan in force, funds, contracts, targets, plans, needs, then the rest of
its menu), the overview again, the plan's workbook (GET /api/v1/plan-runs/{id}/workbook), and
the first request of every page in the menu of each other demo role (producer, partner, depot
clerk, auditor, admin: its overview included, which differs by role); optionally after waiting
some seconds (the start-up sums the plan in force for the pages meanwhile, kuznia.web.warmup).
The server is started afresh for each of `--repeat` rounds; the medians are printed last,
each request's wall time and the server's CPU time for it (from /proc: what the request cost,
whatever else shares the cores), with the machine's load.

    python benchmarks/web_first_request.py --database sqlite:///$PWD/out/demo.db --wait 0 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import httpx

# The pages timed on their first request after the start, in this order.
PAGES = ("/overview", "/plans/{run}", "/funds", "/contracts", "/targets", "/plans", "/needs")
# The other demo roles (`kuznia demo-users`), each logged in once, then its menu's pages.
ROLES = ("producer", "partner", "logistics", "auditor", "admin")
MENU = re.compile(r'<nav aria-label="[^"]*" class="main-nav">(.*?)</nav>', re.S)


def menu_of(html: str) -> list[str]:
    """The pages of the main menu of a page, in menu order."""
    found = MENU.search(html)
    return re.findall(r'href="(/[^"?]*)"', found.group(1)) if found else []


def login(client: httpx.Client, role: str) -> httpx.Response:
    client.get("/login")
    token = client.cookies.get("kuznia_csrf") or ""
    return client.post(
        "/login",
        data={"email": f"{role}@demo.kuznia", "password": f"demo-{role}-2026",
              "next": "/overview", "csrf_token": token},
        headers={"X-CSRF-Token": token},
    )  # fmt: skip


def server_cpu(pid: int) -> float:
    """CPU seconds (user and system) the server process has used so far, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CPU: dict[str, float] = {}  # the server's CPU seconds per request of the round running


def _timed(call: object, pid: int = 0, key: str = "") -> tuple[float, httpx.Response]:
    before = server_cpu(pid) if pid else 0.0
    moment = time.perf_counter()
    response = call()  # type: ignore[operator]
    wall = time.perf_counter() - moment
    if pid:
        CPU[key] = server_cpu(pid) - before
    return wall, response


def one_round(args: argparse.Namespace) -> dict[str, float]:
    """Start the server, time the requests, stop it; seconds by request."""
    env = dict(os.environ, KUZNIA_DATABASE_URL=args.database, KUZNIA_PORT=str(args.port))
    began = time.perf_counter()
    kuznia = os.path.join(os.path.dirname(sys.executable), "kuznia")
    server = subprocess.Popen([kuznia, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{args.port}"
    found: dict[str, float] = {}
    try:
        while True:
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        found["answering after start"] = time.perf_counter() - began
        time.sleep(args.wait)
        client = httpx.Client(base_url=base, timeout=120)
        pid = server.pid
        found["login page"], _ = _timed(lambda: client.get("/login"), pid, "login page")
        found["first login"], answer = _timed(lambda: login(client, "planner"), pid, "first login")
        if answer.status_code != 303:
            raise SystemExit(f"the login answered {answer.status_code}")
        run = ""
        for page in PAGES:
            path = page.format(run=run)
            key = path if "{run}" not in page else "/plans/ID (plan in force)"
            found[key], response = _timed(lambda path=path: client.get(path), pid, key)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
            if page == "/overview":
                run = re.search(r'href="/plans/(\d+)"', response.text).group(1)  # type: ignore[union-attr]
        found["/overview again"], response = _timed(
            lambda: client.get("/overview"), pid, "/overview again"
        )
        _menu_pages(client, pid, "planner", menu_of(response.text), found)
        bearer = {"Authorization": f"Bearer {client.cookies.get('kuznia_session')}"}
        found["plan workbook"], response = _timed(
            lambda: client.get(f"/api/v1/plan-runs/{run}/workbook", headers=bearer),
            pid,
            "plan workbook",
        )
        if response.status_code != 200:
            raise SystemExit(f"the workbook answered {response.status_code}")
        found["workbook bytes"] = len(response.content)
        for role in ROLES:
            other = httpx.Client(base_url=base, timeout=120)
            answer = login(other, role)
            if answer.status_code != 303:
                raise SystemExit(f"{role}'s login answered {answer.status_code}")
            key = f"{role} /overview"
            found[key], response = _timed(lambda other=other: other.get("/overview"), pid, key)
            _menu_pages(other, pid, role, menu_of(response.text), found)
    finally:
        server.terminate()
        server.wait(30)
    found.update({f"cpu {key}": seconds for key, seconds in CPU.items()})
    return found


def _menu_pages(
    client: httpx.Client, pid: int, role: str, pages: list[str], found: dict[str, float]
) -> None:
    """Time the first request of each page of `pages` not timed yet for this role."""
    for path in dict.fromkeys(pages):
        key = path if role == "planner" else f"{role} {path}"
        if key in found:
            continue
        found[key], response = _timed(lambda path=path: client.get(path), pid, key)
        if response.status_code != 200:
            raise SystemExit(f"{role}: {path} answered {response.status_code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="KUZNIA_DATABASE_URL to serve")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--wait", type=float, default=0.0, help="seconds between start and login")
    parser.add_argument("--repeat", type=int, default=3, help="rounds, each on a fresh start")
    args = parser.parse_args()
    rounds = []
    for number in range(1, args.repeat + 1):
        found = one_round(args)
        rounds.append(found)
        shown = "; ".join(
            f"{k} {v:.2f} s" for k, v in found.items() if k != "workbook bytes" and "cpu" not in k
        )
        print(f"round {number} (load {os.getloadavg()[0]:.1f}): {shown}", flush=True)
    print(f"medians of {args.repeat} rounds, waited {args.wait:.0f} s after the start")
    print("  request: wall s (server CPU s)")
    for key in rounds[0]:
        if key != "workbook bytes" and not key.startswith("cpu "):
            wall = statistics.median(r[key] for r in rounds)
            cpu = [r[f"cpu {key}"] for r in rounds if f"cpu {key}" in r]
            shown = f" ({statistics.median(cpu):.2f})" if cpu else ""
            print(f"  {key}: {wall:.2f}{shown}")
    print(f"  workbook size: {rounds[0]['workbook bytes'] / 1e6:.1f} MB")
    print(f"  load average (1, 5, 15 min) at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
