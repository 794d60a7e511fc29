"""The web application's first requests after a start: `kuznia serve` on a database (make
serve's: out/demo.db, the national data set with the demo users and the execution demo), then
the login page, the first login (the form's POST), the first request of each page a planner
opens (the overview, the plan in force, funds, contracts, targets, plans, needs), the overview
again, and the plan's workbook (GET /api/v1/plan-runs/{id}/workbook); optionally after waiting
some seconds (the start-up sums the plan in force for the pages meanwhile, kuznia.web.warmup).
The server is started afresh for each of `--repeat` rounds; the medians are printed last,
with the machine's load.

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


def _timed(call: object) -> tuple[float, httpx.Response]:
    moment = time.perf_counter()
    response = call()  # type: ignore[operator]
    return time.perf_counter() - moment, response


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
        found["login page"], _ = _timed(lambda: client.get("/login"))
        token = client.cookies.get("kuznia_csrf") or ""
        found["first login"], answer = _timed(
            lambda: client.post(
                "/login",
                data={"email": "planner@demo.kuznia", "password": "demo-planner-2026",
                      "next": "/overview", "csrf_token": token},
                headers={"X-CSRF-Token": token},
            )
        )  # fmt: skip
        if answer.status_code != 303:
            raise SystemExit(f"the login answered {answer.status_code}")
        run = ""
        for page in PAGES:
            path = page.format(run=run)
            found[path if "{run}" not in page else "/plans/ID (plan in force)"], response = _timed(
                lambda path=path: client.get(path)
            )
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
            if page == "/overview":
                run = re.search(r'href="/plans/(\d+)"', response.text).group(1)  # type: ignore[union-attr]
        found["/overview again"], _ = _timed(lambda: client.get("/overview"))
        bearer = {"Authorization": f"Bearer {client.cookies.get('kuznia_session')}"}
        found["plan workbook"], response = _timed(
            lambda: client.get(f"/api/v1/plan-runs/{run}/workbook", headers=bearer)
        )
        if response.status_code != 200:
            raise SystemExit(f"the workbook answered {response.status_code}")
        found["workbook bytes"] = len(response.content)
    finally:
        server.terminate()
        server.wait(30)
    return found


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
        shown = "; ".join(f"{k} {v:.2f} s" for k, v in found.items() if k != "workbook bytes")
        print(f"round {number} (load {os.getloadavg()[0]:.1f}): {shown}", flush=True)
    print(f"medians of {args.repeat} rounds, waited {args.wait:.0f} s after the start:")
    for key in rounds[0]:
        if key != "workbook bytes":
            print(f"  {key}: {statistics.median(r[key] for r in rounds):.2f} s")
    print(f"  workbook size: {rounds[0]['workbook bytes'] / 1e6:.1f} MB")
    print(f"  load average (1, 5, 15 min) at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
