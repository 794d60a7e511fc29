"""`kuznia demo-users`: a login for every role, made once however often it runs; with
`--execution`, depots, a signed plan and a few days of the ledger, made once too."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, delete, func, select
from typer.testing import CliRunner

from kuznia.audit import verify
from kuznia.auth import service as auth_service
from kuznia.cli.demo import DEMO_USERS, add_demo_execution, add_demo_users, served_url
from kuznia.cli.main import app
from kuznia.db import session_scope
from kuznia.models import (
    AuditEvent,
    Depot,
    Item,
    OpeningBalance,
    PlanRun,
    Receipt,
    Role,
    Stock,
    Target,
    User,
)
from kuznia.registry import import_instance
from kuznia.synthetic import generate
from tests.db.builders import varied


def test_every_role_gets_a_login_and_a_second_run_adds_nothing(engine: Engine) -> None:
    with session_scope(engine) as session:
        import_instance(session=session, instance=varied())
        first = add_demo_users(session=session)
    with session_scope(engine) as session:
        second = add_demo_users(session=session)
        count = session.scalar(select(func.count()).select_from(User))

    assert [(user.role, added) for user, added, _ in first] == [(role, True) for role in Role]
    assert [added for _, added, _ in second] == [False] * 6
    assert count == 6
    linked = {user.role: code for user, _, code in first}
    assert (linked[Role.producer], linked[Role.partner]) == ("p1", "dk")


def test_the_printed_password_logs_in(engine: Engine) -> None:
    with session_scope(engine) as session:
        import_instance(session=session, instance=varied())
        add_demo_users(session=session)
    planner = next(user for user in DEMO_USERS if user.role is Role.planner)

    with session_scope(engine) as session:
        token, _ = auth_service.login(
            session=session, email=planner.email, password=planner.password, hours=1
        )

    assert token.startswith("kz_")


def test_show_prints_the_logins_without_a_database() -> None:
    result = CliRunner().invoke(app, ["demo-users", "--show"])

    assert result.exit_code == 0
    assert "planner@demo.kuznia" in result.output
    assert "demo-planner-2026" in result.output


def test_the_execution_demo_records_through_the_services_once(engine: Engine) -> None:
    with session_scope(engine) as session:
        import_instance(session=session, instance=generate("tiny", seed=7))
        add_demo_users(session=session)

    first = add_demo_execution(engine=engine, today=date(2026, 11, 24))
    second = add_demo_execution(engine=engine, today=date(2026, 11, 24))
    with session_scope(engine) as session:
        receipts = session.scalar(select(func.count()).select_from(Receipt))
        actors = set(
            session.scalars(select(AuditEvent.actor).where(AuditEvent.entity == "receipts"))
        )
        verification = verify(session=session)
        run_id = session.scalar(select(PlanRun.id))
        opened = session.execute(
            select(Depot.code, OpeningBalance.item, OpeningBalance.quantity)
            .join(Depot, Depot.id == OpeningBalance.depot_id)
            .order_by(OpeningBalance.item)
        ).all()
        registry_stock = session.execute(
            select(Item.code, Stock.quantity)
            .join(Item, Item.id == Stock.item_id)
            .where(Stock.quantity > 0)
            .order_by(Item.code)
        ).all()

    # tiny's plan: three contracts, two delivered (the first in full) over four days
    assert (first.skipped, first.depots, first.contracts) == (None, ["d-01", "d-02"], 3)
    assert (first.receipts, receipts, first.rejections, first.dispatches) == (8, 8, 1, 8)
    assert first.completed == [f"K-{run_id}-l002"]
    assert first.days == (date(2026, 11, 21), date(2026, 11, 24))
    assert actors == {"logistics@demo.kuznia"}
    assert verification.intact
    assert second.skipped == "the registry has 3 contracts already"
    # tiny has no armoured vehicles; l002 (delivered in full) has 553 art-155-he due in November
    assert first.targets == [
        "artillery_ammunition x20 of 2026-01 in 2026-12",
        "artillery_ammunition (art-155-he) 553 in 2026-11",
    ]
    assert second.targets == []
    # The first demo depot started execution: the registry's stock is its opening balance.
    assert opened
    assert [(item, q) for _, item, q in opened] == [tuple(r) for r in registry_stock]
    assert {code for code, _, _ in opened} == {"d-01"}


def test_a_demo_database_made_before_targets_gets_them_once(engine: Engine) -> None:
    with session_scope(engine) as session:
        import_instance(session=session, instance=generate("tiny", seed=7))
        add_demo_users(session=session)
    add_demo_execution(engine=engine, today=date(2026, 11, 24))
    with session_scope(engine) as session:
        session.execute(delete(Target))

    again = add_demo_execution(engine=engine, today=date(2026, 11, 24))
    once_more = add_demo_execution(engine=engine, today=date(2026, 11, 24))

    assert again.skipped == "the registry has 3 contracts already"
    assert again.targets == [
        "artillery_ammunition x20 of 2026-01 in 2026-12",
        "artillery_ammunition (art-155-he) 553 in 2026-11",
    ]
    assert once_more.targets == []


def test_the_printed_address_is_the_one_kuznia_serve_listens_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KUZNIA_PORT", "9123")
    monkeypatch.delenv("KUZNIA_HOST", raising=False)

    assert served_url() == "http://127.0.0.1:9123/"
