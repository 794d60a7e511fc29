"""The web application's first requests after a start: `kuznia serve` on a database (make
serve's: out/demo.db, the national data set with the demo users and the execution demo), then
the login page, the first login (the form's POST) and the first overview, and the overview
again; optionally after waiting some seconds (the start-up reads the plan in force for the
pages meanwhile, kuznia.web.warmup).

    python benchmarks/web_first_request.py --database sqlite:///$PWD/out/demo.db --wait 0
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import httpx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="KUZNIA_DATABASE_URL to serve")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--wait", type=float, default=0.0, help="seconds between start and login")
    args = parser.parse_args()
    env = dict(os.environ, KUZNIA_DATABASE_URL=args.database, KUZNIA_PORT=str(args.port))
    began = time.perf_counter()
    kuznia = os.path.join(os.path.dirname(sys.executable), "kuznia")
    server = subprocess.Popen([kuznia, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{args.port}"
    try:
        while True:
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        started = time.perf_counter() - began
        time.sleep(args.wait)
        client = httpx.Client(base_url=base, timeout=120)
        moment = time.perf_counter()
        client.get("/login")
        login_page = time.perf_counter() - moment
        token = client.cookies.get("kuznia_csrf") or ""
        moment = time.perf_counter()
        answer = client.post(
            "/login",
            data={"email": "planner@demo.kuznia", "password": "demo-planner-2026",
                  "next": "/overview", "csrf_token": token},
            headers={"X-CSRF-Token": token},
        )  # fmt: skip
        login = time.perf_counter() - moment
        if answer.status_code != 303:
            raise SystemExit(f"the login answered {answer.status_code}")
        moment = time.perf_counter()
        if client.get("/overview").status_code != 200:
            raise SystemExit("the overview did not answer 200")
        first = time.perf_counter() - moment
        moment = time.perf_counter()
        client.get("/overview")
        again = time.perf_counter() - moment
        print(
            f"answering after {started:.1f} s; waited {args.wait:.0f} s; login page {login_page:.2f} s; "
            f"first login {login:.2f} s; first overview {first:.2f} s; overview again {again:.2f} s"
        )
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
