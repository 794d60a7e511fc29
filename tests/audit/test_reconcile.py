"""Reconciliation: the chain replayed equals the ledger, stock, contracts and users rows; a row
changed by raw SQL (no event) is named with its table, id, field and both values. The world is
tests/logistics/conftest.py's (depots d-north and d-south, contracts C-1 to C-3)."""

from __future__ import annotations

from sqlalchemy import Engine, text
from typer.testing import CliRunner

from kuznia.audit.reconcile import reconcile
from kuznia.cli.main import app
from kuznia.db import session_scope
from tests.logistics.conftest import World, api, cheap_password_hashes, world
from tests.logistics.test_ledger import API, dispatch_body, receipt_body

__all__ = ["api", "cheap_password_hashes", "world"]


def some_ledger(world: World) -> int:
    """A receipt of 120 (accepted 100), a dispatch of 30, a receipt reversed, contract C-3
    signed and C-1 amended; the first receipt's id."""
    first = world.api.post(
        "logistics",
        f"{API}/receipts",
        json=receipt_body("r-1", world.c1, received=120, accepted=100, rejected=20, reason="wet"),
    )
    assert first.status_code == 201, first.text
    world.api.post("logistics", f"{API}/dispatches", json=dispatch_body("d-1", 30))
    second = world.api.post(
        "logistics", f"{API}/receipts", json=receipt_body("r-2", world.c1, received=5, accepted=5)
    ).json()
    undo = world.api.post(
        "logistics",
        f"{API}/receipts/{second['id']}/reverse",
        json={"client_key": "undo-2", "reason": "counted twice"},
    )
    assert undo.status_code == 201, undo.text
    signed = world.api.post("planner", f"{API}/contracts/{world.c3}/sign", json={"version": 1})
    assert signed.status_code == 200, signed.text
    c1 = world.api.get("planner", f"{API}/contracts/{world.c1}").json()
    amended = world.api.post(
        "planner",
        f"{API}/contracts/{world.c1}/amendments",
        json={
            "version": c1["version"],
            "reason": "line l1 down for two weeks",
            "deliveries": [{"month": "2026-12", "quantity": 700, "price": 100}],
        },
    )
    assert amended.status_code in (200, 201), amended.text
    return int(first.json()["id"])


def reconciled(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return [found.describe() for found in reconcile(session=session).mismatches]


def test_rows_written_through_the_services_match_the_chain(world: World) -> None:
    some_ledger(world)

    with session_scope(world.engine) as session:
        outcome = reconcile(session=session)

    assert [found.describe() for found in outcome.mismatches] == []
    assert outcome.consistent
    assert outcome.rows > 10
    assert outcome.events > 10


def tamper(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_a_receipt_a_stock_row_and_a_users_role_changed_by_raw_sql_are_each_named(
    world: World,
) -> None:
    receipt = some_ledger(world)
    with session_scope(world.engine) as session:
        user = session.execute(
            text("SELECT id FROM users WHERE email = 'p1@producer.test'")
        ).scalar_one()
    tamper(
        world.engine,
        f"UPDATE receipts SET received = 1120, accepted = 1100 WHERE id = {receipt}",
        f"UPDATE depot_stocks SET quantity = 1070 WHERE depot_id = {world.north}",
        f"UPDATE users SET role = 'admin' WHERE id = {user}",
    )

    # ledger quantities are whole units (decision 0010): 1120, not 1120.0
    assert reconciled(world.engine) == [
        f"receipts {receipt}: received is 1120 in the row but 120 per the chain",
        f"receipts {receipt}: accepted is 1100 in the row but 100 per the chain",
        f"depot_stocks {world.north}/art-155: quantity is 1070 in the row but 70 per the chain",
        f"users {user}: role is 'admin' in the row but 'producer' per the chain",
    ]


def test_a_row_deleted_or_added_without_an_event_is_named(world: World) -> None:
    some_ledger(world)
    with session_scope(world.engine) as session:
        dispatch = session.execute(text("SELECT id FROM dispatches")).scalar_one()
        organisation = session.execute(text("SELECT min(id) FROM organisations")).scalar_one()
    tamper(
        world.engine,
        f"DELETE FROM dispatches WHERE id = {dispatch}",
        "INSERT INTO users (id, email, organisation_id, role, password_hash, active, "
        f"created_at, version) VALUES (900, 'ghost@ministry.test', {organisation}, 'planner', "
        "'x', true, '2026-11-01 00:00:00', 1)",
    )

    assert reconciled(world.engine) == [
        f"dispatches {dispatch}: the row is gone, but the chain has no event deleting it",
        "users 900: the row has no event: it was added unrecorded",
    ]


def test_kuznia_audit_reconcile_names_the_rows_and_exits_4(world: World) -> None:
    receipt = some_ledger(world)
    runner = CliRunner(env={"KUZNIA_DATABASE_URL": world.engine.url.render_as_string(False)})

    consistent = runner.invoke(app, ["audit", "reconcile"])
    tamper(world.engine, f"UPDATE receipts SET lot = 'lot-8' WHERE id = {receipt}")
    differing = runner.invoke(app, ["audit", "reconcile"])
    full = runner.invoke(app, ["audit", "verify", "--full"])

    assert consistent.exit_code == 0, consistent.output
    assert "match the audit chain" in consistent.output
    assert differing.exit_code == full.exit_code == 4
    expected = f"receipts {receipt}: lot is 'lot-8' in the row but 'lot-7' per the chain"
    assert expected in differing.output
    assert expected in full.output
    assert "is intact" in full.output


def test_auditors_reconcile_through_the_api_and_administrators_may_not(world: World) -> None:
    receipt = some_ledger(world)
    tamper(world.engine, f"UPDATE receipts SET day = '2026-11-04' WHERE id = {receipt}")

    by_auditor = world.api.get("auditor", f"{API}/audit/reconcile")
    by_admin = world.api.get("admin", f"{API}/audit/reconcile")

    assert by_auditor.status_code == 200, by_auditor.text
    body = by_auditor.json()
    assert body["consistent"] is False
    assert [
        (m["table"], m["row_id"], m["field"], m["in_row"], m["per_chain"])
        for m in body["mismatches"]
    ] == [("receipts", str(receipt), "day", "2026-11-04", "2026-11-05")]
    assert by_admin.status_code == 403
