"""`kuznia replan`: the next instance from the registry and what execution recorded."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from kuznia import models
from kuznia.cli.main import app
from kuznia.db import session_scope
from kuznia.instance import read_instance
from kuznia.registry import import_instance
from tests.db.builders import varied


def execution_so_far(engine: Engine) -> None:
    """VARIED, one depot, a signed contract on l1 (300 in Nov, 200 in Dec), 120 accepted in
    November and 100 of them dispatched to g-east; 20 in stock."""
    with session_scope(engine) as session:
        import_instance(session=session, instance=varied())
        depot = models.Depot(code="d1", name="Depot 1")
        contract = models.Contract(
            number="K-1-l1",
            producer="p1",
            line="l1",
            item="art-155",
            status=models.ContractStatus.signed,
        )
        version = models.ContractVersion(contract=contract, number=1, quantity=500, value=1.55e6)
        version.deliveries = [
            models.ContractDelivery(month="2026-11", quantity=300, price=3100),
            models.ContractDelivery(month="2026-12", quantity=200, price=3100),
        ]
        version.funding = [models.ContractFunding(fund="state", year=2026, amount=1.55e6, share=1)]
        session.add_all([depot, contract, version])
        session.flush()
        session.add_all(
            [
                models.Receipt(
                    client_key="r1",
                    depot_id=depot.id,
                    contract_id=contract.id,
                    item="art-155",
                    day=date(2026, 11, 20),
                    received=130,
                    accepted=120,
                    rejected=10,
                    reason="fuze defects",
                ),
                models.Dispatch(
                    client_key="d1",
                    depot_id=depot.id,
                    item="art-155",
                    grouping="g-east",
                    day=date(2026, 11, 25),
                    quantity=100,
                ),
                models.DepotStock(depot_id=depot.id, item="art-155", quantity=20),
            ]
        )


def test_replan_holds_the_contracts_arrears_the_depot_stock_and_the_unmet_need(
    engine: Engine, tmp_path: Path
) -> None:
    execution_so_far(engine)
    runner = CliRunner(env={"KUZNIA_DATABASE_URL": engine.url.render_as_string(False)})
    output = tmp_path / "next.json"

    result = runner.invoke(
        app, ["replan", "--start", "2026-12", "--output", str(output), "--no-plan"]
    )

    assert result.exit_code == 0, result.output
    assert "1 signed contract(s) and 0 guarantee(s) held as 2 commitment(s)" in result.output
    rolled = read_instance(output)
    assert (rolled.start, rolled.months) == ("2026-12", 2)
    # Arrears 300 - 120 = 180 and December's 200 fit l1's capacity of 250.5 in month 0 only in
    # part: 250.5 now, the other 129.5 in January.
    assert [(c.line, c.month, c.quantity) for c in rolled.commitments] == [
        ("l1", 0, 250.5),
        ("l1", 1, 129.5),
    ]
    # The depot was made outside the services, so no opening balance was entered: the
    # registry's stock (fpv 7) is added to the ledger's rather than lost.
    assert [(s.item, s.quantity) for s in rolled.stock] == [("art-155", 20), ("fpv", 7)]
    # 900 were due to g-east in November, 100 dispatched: 800 owed now.
    assert [(n.item, n.grouping, n.month, n.quantity) for n in rolled.needs] == [
        ("art-155", "g-east", 0, 800),
        ("art-155", "g-south", 1, 120.5),
        ("fpv", "g-east", 0, 0.0),
    ]
    # The state paid 120 accepted x 3,100 in 2026.
    assert rolled.funds[0].budget["2026"] == 1.25e9 - 372_000


def test_replan_plans_the_next_instance(engine: Engine, tmp_path: Path) -> None:
    execution_so_far(engine)
    runner = CliRunner(env={"KUZNIA_DATABASE_URL": engine.url.render_as_string(False)})

    result = runner.invoke(
        app, ["replan", "--start", "2026-12", "--output", str(tmp_path / "next.json")]
    )

    assert result.exit_code == 0, result.output
    assert "status optimal" in result.output


def test_a_start_outside_the_horizon_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    execution_so_far(engine)
    runner = CliRunner(env={"KUZNIA_DATABASE_URL": engine.url.render_as_string(False)})
    output = tmp_path / "next.json"

    result = runner.invoke(app, ["replan", "--start", "2027-05", "--output", str(output)])

    assert result.exit_code == 2
    assert "start: 2027-05 is outside the horizon 2026-11 + 3 months" in result.output
    assert not output.exists()
