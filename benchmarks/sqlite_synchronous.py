"""The cost of SQLite's `synchronous=FULL` (a commit waits for the WAL's fsync, so a 201
survives a power loss) against `NORMAL` (the previous setting): 2,000 receipts recorded
through the logistics service on an SQLite file, one transaction each as the API makes them,
audit events included; median of 3 runs of each setting, interleaved, in a fresh database
each run. `--dir` must be on a real disk (a tmpfs makes fsync free).

    python benchmarks/sqlite_synchronous.py [--receipts 2000] [--runs 3] [--dir /tmp]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from kuznia import models
from kuznia.audit import Actor, set_actor
from kuznia.auth.permissions import Scope
from kuznia.db import engine as engine_module
from kuznia.db.engine import create_engine_for
from kuznia.db.migrate import upgrade
from kuznia.db.session import session_scope
from kuznia.logistics import service
from kuznia.logistics.schemas import ReceiptCreate

CLERK = Actor(name="clerk@depot.example")


def one_run(folder: Path, mode: str, receipts: int) -> float:
    """Seconds to record `receipts` receipts with `PRAGMA synchronous = mode`."""
    engine_module.SQLITE_SYNCHRONOUS = mode
    engine = create_engine_for(f"sqlite:///{folder / f'bench-{mode}.db'}")
    try:
        upgrade(engine=engine)
        with engine.connect() as connection:
            (setting,) = connection.exec_driver_sql("PRAGMA synchronous").one()
        assert setting == {"NORMAL": 1, "FULL": 2}[mode], setting
        with session_scope(engine) as session:
            organisation = models.Organisation(
                name="Depot Example", kind=models.OrganisationKind.depot
            )
            clerk = models.User(
                email="clerk@depot.example",
                organisation=organisation,
                role=models.Role.logistics,
                password_hash="not-a-login",
            )
            session.add_all([organisation, clerk])
            session.flush()
            depot = models.Depot(
                code="d-1", name="Depot 1", region="r-1", organisation_id=organisation.id
            )
            contract = models.Contract(
                number="C-1",
                producer="p1",
                line="l1",
                item="art-155",
                status=models.ContractStatus.signed,
            )
            contract.versions = [
                models.ContractVersion(number=1, quantity=1e6, value=1e8, reason="bench")
            ]
            session.add_all([depot, contract])
            session.flush()
            scope = Scope(
                user_id=clerk.id,
                role=models.Role.logistics,
                organisation_id=organisation.id,
                depot_ids=frozenset({depot.id}),
            )
            contract_id = contract.id
        began = time.perf_counter()
        for number in range(receipts):
            with session_scope(engine) as session:
                set_actor(session, CLERK)
                service.record_receipt(
                    session=session,
                    scope=scope,
                    body=ReceiptCreate(
                        client_key=f"r-{number}",
                        depot="d-1",
                        contract_id=contract_id,
                        day=dt.date(2026, 11, 5),
                        received=10,
                        accepted=10,
                        rejected=0,
                    ),
                )
        return time.perf_counter() - began
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    # Interleaved (NORMAL, FULL, NORMAL, FULL, ...) so that load from other work on a shared
    # machine falls on both settings alike.
    seconds: dict[str, list[float]] = {"NORMAL": [], "FULL": []}
    for _ in range(args.runs):
        for mode in seconds:
            with tempfile.TemporaryDirectory(dir=args.dir) as folder:
                seconds[mode].append(one_run(Path(folder), mode, args.receipts))
    medians = {mode: statistics.median(runs) for mode, runs in seconds.items()}
    for mode, median in medians.items():
        runs = ", ".join(f"{s:.2f}" for s in seconds[mode])
        print(
            f"synchronous={mode}: {args.receipts} receipts in {median:.2f} s median "
            f"({runs}); {1000 * median / args.receipts:.2f} ms per receipt, "
            f"{args.receipts / median:.0f} per second"
        )
    print(f"FULL / NORMAL: {medians['FULL'] / medians['NORMAL']:.2f}")


if __name__ == "__main__":
    main()
