"""The OCDS export: one release per contract, valid against the standard's schema and
codelists (the copy shipped in kuznia/io/ocds_schema, in step with ../shared/ocds), with what is
sensitive left out and declared withheld.

The data: the handmade run of tests/contracts approved with two firm months, as of
2026-12-20 12:00 UTC:
    K-l1 (art-155, 100 in 2026-11 and 200 in 2026-12 at 3,100; eu 1/3, state 2/3): signed, in
        delivery; Depot North accepted 90 + 10 in November, 150 in December (and 20 more that
        were reversed), and 50 after the moment exported;
    K-l2 (fpv, category drones: sensitive when so configured): a draft.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kuznia import models
from kuznia.auth import service as auth_service
from kuznia.auth.permissions import Scope
from kuznia.cli.main import app
from kuznia.contracts import service
from kuznia.contracts.publication import export_package
from kuznia.db import session_scope
from kuznia.io.ocds import OcdsOptions, default_schema_dir, validate_package
from kuznia.registry import import_instance
from tests.contracts.conftest import finished_run
from tests.db.builders import varied

AS_OF = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)
SCHEMA_DIR = default_schema_dir()
SHARED_OCDS = Path(__file__).resolve().parents[2].parent / "shared" / "ocds"


@pytest.fixture
def contracts(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The contracts above, by line: their ids."""
    monkeypatch.setattr(
        auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    with session_scope(engine) as session:
        import_instance(session=session, instance=varied())
        ministry = auth_service.add_organisation(
            session=session, name="Ministry", kind=models.OrganisationKind.ministry
        )
        planner = auth_service.add_user(
            session=session,
            email="planner@ministry.test",
            password="forge-test-password-1",
            role=models.Role.planner,
            organisation="Ministry",
        )
        scope = Scope(user_id=planner.id, role=models.Role.planner, organisation_id=ministry.id)
    run_id = finished_run(engine)
    with session_scope(engine) as session:
        summary = service.approve_run(session=session, scope=scope, run_id=run_id, firm_months=2)
        ids = {contract.line: contract.id for contract in summary.contracts}
        contract = service.sign_contract(
            session=session, scope=scope, contract_id=ids["l1"], version=1
        )
        service.start_delivery(session=session, contract=contract)
        depot = models.Depot(code="d-north", name="Depot North", region="r-1", location="Km 7")
        session.add(depot)
        session.flush()
        for key, day, accepted, rejected in [
            ("a", date(2026, 11, 20), 90, 10),
            ("b", date(2026, 11, 28), 10, 0),
            ("c", date(2026, 12, 5), 150, 0),
            ("d", date(2026, 12, 7), 20, 0),
            ("e", date(2026, 12, 25), 50, 0),
        ]:
            session.add(_receipt(key, depot.id, ids["l1"], day, accepted, rejected))
        session.flush()
        wrong = session.scalars(select(models.Receipt).where(models.Receipt.client_key == "d"))
        reversal = _receipt("d-reversed", depot.id, ids["l1"], date(2026, 12, 8), -20, 0)
        reversal.reverses_id = wrong.one().id
        session.add(reversal)
    return ids


def _receipt(
    key: str, depot_id: int, contract_id: int, day: date, accepted: float, rejected: float
) -> models.Receipt:
    return models.Receipt(
        client_key=key,
        depot_id=depot_id,
        contract_id=contract_id,
        item="art-155",
        day=day,
        received=accepted + rejected,
        accepted=accepted,
        rejected=rejected,
    )


def export(engine: Engine, **options: Any) -> dict[str, Any]:
    with session_scope(engine) as session:
        return export_package(session=session, options=OcdsOptions(**options), as_of=AS_OF).package


def release_of(package: dict[str, Any], number_end: str) -> dict[str, Any]:
    (release,) = [
        r for r in package["releases"] if "-K-" in r["ocid"] and r["ocid"].endswith(number_end)
    ]
    return release


def test_the_schema_ships_inside_the_package() -> None:
    assert SCHEMA_DIR.parts[-3:] == ("kuznia", "io", "ocds_schema")
    assert (SCHEMA_DIR / "dereferenced-release-schema.json").is_file()


@pytest.mark.skipif(not SHARED_OCDS.is_dir(), reason="../shared/ocds is not beside the checkout")
def test_the_shipped_schema_is_the_shared_one_file_by_file() -> None:
    shipped = sorted(path.name for path in SCHEMA_DIR.iterdir() if path.is_file())
    shared = sorted(path.name for path in SHARED_OCDS.iterdir() if path.is_file())
    assert shipped == shared
    for name in shared:
        assert (SCHEMA_DIR / name).read_bytes() == (SHARED_OCDS / name).read_bytes(), name


class TestReleases:
    @pytest.mark.usefixtures("contracts")
    def test_every_release_is_valid_ocds(self, engine: Engine) -> None:
        package = export(engine, sensitive_items=frozenset({"drones"}))

        assert validate_package(package, schema_dir=SCHEMA_DIR) == []
        # two contracts and the two guarantees for the months after the firm ones
        assert len(package["releases"]) == 4
        assert (package["version"], package["publishedDate"]) == ("1.1", "2026-12-20T12:00:00Z")

    @pytest.mark.usefixtures("contracts")
    def test_a_contract_in_delivery(self, engine: Engine) -> None:
        release = release_of(export(engine), "-l1")
        run = release["ocid"].split("-")[-2]

        assert release["ocid"] == f"ocds-kuznia-K-{run}-l1"
        assert release["id"] == f"ocds-kuznia-K-{run}-l1-20261220T120000Z"
        assert release["tag"] == ["award", "contract", "implementation"]
        assert release["buyer"] == {"id": "buyer", "name": "Ministry of Defence"}
        assert [(p["id"], p["roles"]) for p in release["parties"]] == [
            ("buyer", ["buyer", "payer"]),
            ("producer-p1", ["supplier", "payee"]),
            ("fund-eu", ["funder", "payer"]),
            ("fund-state", ["funder"]),
        ]
        (contract,) = release["contracts"]
        assert (contract["status"], contract["value"]) == (
            "active",
            {"amount": 930_000.0, "currency": "USD"},
        )
        assert contract["period"] == {
            "startDate": "2026-11-01T00:00:00Z",
            "endDate": "2026-12-31T23:59:59Z",
        }
        assert [(i["id"], i["quantity"], i["unit"]) for i in contract["items"]] == [
            ("2026-11", 100.0, {"name": "pcs", "value": {"amount": 3100.0, "currency": "USD"}}),
            ("2026-12", 200.0, {"name": "pcs", "value": {"amount": 3100.0, "currency": "USD"}}),
        ]

    @pytest.mark.usefixtures("contracts")
    def test_accepted_value_is_paid_by_each_fund_in_its_share(self, engine: Engine) -> None:
        (contract,) = release_of(export(engine), "-l1")["contracts"]

        # November: 100 accepted x 3,100; December: 150 (the 20 reversed, the 50 after the
        # moment exported not yet known) x 3,100. eu pays a third, the state (via the buyer)
        # two thirds.
        assert [
            (t["date"], t["payer"]["id"], t["value"]["amount"])
            for t in contract["implementation"]["transactions"]
        ] == [
            ("2026-11-28T00:00:00Z", "fund-eu", 103_333.33),
            ("2026-11-28T00:00:00Z", "buyer", 206_666.67),
            ("2026-12-08T00:00:00Z", "fund-eu", 155_000.0),
            ("2026-12-08T00:00:00Z", "buyer", 310_000.0),
        ]

    @pytest.mark.usefixtures("contracts")
    def test_milestones_met_when_the_schedule_is_accepted_and_scheduled_until_due(
        self, engine: Engine
    ) -> None:
        l1 = release_of(export(engine), "-l1")["contracts"][0]["implementation"]["milestones"]
        l2 = release_of(export(engine), "-l2")["contracts"][0]["implementation"]["milestones"]

        assert [(m["type"], m["dueDate"], m["status"], m.get("dateMet")) for m in l1] == [
            ("delivery", "2026-11-30T23:59:59Z", "met", "2026-11-28T00:00:00Z"),
            ("delivery", "2026-12-31T23:59:59Z", "scheduled", None),
        ]
        # K-l2 has had nothing accepted: November is past due.
        assert [m["status"] for m in l2] == ["notMet", "scheduled"]

    def test_a_draft_is_pending_and_a_draft_terminated_is_cancelled(
        self, engine: Engine, contracts: dict[str, int]
    ) -> None:
        draft = release_of(export(engine), "-l2")
        with session_scope(engine) as session:
            contract = session.get(models.Contract, contracts["l2"])
            assert contract is not None
            contract.status = models.ContractStatus.terminated
        cancelled = release_of(export(engine), "-l2")

        assert (draft["tag"], draft["contracts"][0]["status"]) == (["award", "contract"], "pending")
        assert draft["awards"][0]["status"] == "pending"
        assert cancelled["tag"] == ["awardCancellation", "contract", "contractTermination"]
        assert (cancelled["contracts"][0]["status"], cancelled["awards"][0]["status"]) == (
            "cancelled",
            "cancelled",
        )


class TestWithheld:
    @pytest.mark.usefixtures("contracts")
    def test_a_sensitive_items_quantities_and_prices_are_left_out_and_declared(
        self, engine: Engine
    ) -> None:
        package = export(engine, sensitive_items=frozenset({"drones"}))
        release = release_of(package, "-l2")

        (contract,) = release["contracts"]
        assert [set(item) for item in contract["items"]] == [
            {"id", "description", "classification", "unit"}
        ] * 2
        assert [item["unit"] for item in contract["items"]] == [{"name": "pcs"}] * 2
        assert contract["value"] == {"amount": 780_000.0, "currency": "USD"}
        assert [(w["field"], w["name"]) for w in release["withheldInformation"]] == [
            ("contracts/items/quantity", "Quantity of a sensitive item"),
            ("contracts/items/unit/value", "Unit price of a sensitive item"),
        ]
        assert "quantity" in release_of(package, "-l1")["contracts"][0]["items"][0]

    @pytest.mark.usefixtures("contracts")
    def test_an_item_code_is_as_sensitive_as_its_category(self, engine: Engine) -> None:
        release = release_of(export(engine, sensitive_items=frozenset({"fpv"})), "-l2")

        assert "quantity" not in release["contracts"][0]["items"][0]

    @pytest.mark.usefixtures("contracts")
    def test_depot_locations_are_withheld_by_default_and_published_when_allowed(
        self, engine: Engine
    ) -> None:
        withheld = release_of(export(engine), "-l1")
        published_package = export(engine, withhold_depot_locations=False)
        published = release_of(published_package, "-l1")

        assert [w["field"] for w in withheld["withheldInformation"]] == [
            "contracts/items/deliveryAddresses"
        ]
        assert all("deliveryAddresses" not in i for i in withheld["contracts"][0]["items"])
        assert "withheldInformation" not in published
        assert [i.get("deliveryAddresses") for i in published["contracts"][0]["items"]] == [
            [{"description": "Depot North", "streetAddress": "Km 7", "region": "r-1"}],
            [{"description": "Depot North", "streetAddress": "Km 7", "region": "r-1"}],
        ]
        assert validate_package(published_package, schema_dir=SCHEMA_DIR) == []


class TestValidation:
    @pytest.mark.usefixtures("contracts")
    def test_a_code_outside_the_codelists_is_named_with_its_path(self, engine: Engine) -> None:
        package = export(engine)
        package["releases"][1]["contracts"][0]["status"] = "signed"
        package["releases"][0]["parties"][0]["roles"] = ["ministry"]

        problems = validate_package(package, schema_dir=SCHEMA_DIR)

        assert problems == [
            "releases[1].contracts[0].status: 'signed' is not one of "
            "['pending', 'active', 'cancelled', 'terminated', None]",
            "releases[0].parties[0].roles[0]: 'ministry' is not a party role of partyRole.csv",
            "releases[1].contracts[0].status: 'signed' is not a contract status of "
            "contractStatus.csv",
        ]

    @pytest.mark.usefixtures("contracts")
    def test_the_package_itself_is_checked(self, engine: Engine) -> None:
        package = export(engine)
        del package["publisher"]

        assert validate_package(package, schema_dir=SCHEMA_DIR) == [
            "package: 'publisher' is a required property"
        ]


class TestCommand:
    def kuznia(self, engine: Engine, *arguments: str, **env: str) -> Any:
        url = engine.url.render_as_string(hide_password=False)
        runner = CliRunner(env={"KUZNIA_DATABASE_URL": url, **env})
        return runner.invoke(app, ["export", "ocds", *arguments])

    @pytest.mark.usefixtures("contracts")
    def test_writes_a_valid_package_and_says_what_was_withheld(
        self, engine: Engine, tmp_path: Path
    ) -> None:
        output = tmp_path / "out" / "ocds.json"

        result = self.kuznia(
            engine,
            "--output",
            str(output),
            "--as-of",
            "2026-12-20T12:00:00",
            KUZNIA_OCDS_SENSITIVE_ITEMS="drones",
            KUZNIA_OCDS_OCID_PREFIX="ocds-a1b2c3",
        )

        assert result.exit_code == 0, result.output
        assert "4 releases (2 contracts, 2 guarantees) as of 2026-12-20T12:00:00Z" in result.stdout
        assert "contracts/items/deliveryAddresses: in 1 release(s)" in result.stdout
        # the drones contract and the drones guarantee
        assert "contracts/items/quantity: in 2 release(s)" in result.stdout
        package = json.loads(output.read_text(encoding="utf-8"))
        assert [r["ocid"][:12] for r in package["releases"]] == ["ocds-a1b2c3-"] * 4
        assert validate_package(package, schema_dir=SCHEMA_DIR) == []

    @pytest.mark.usefixtures("contracts")
    def test_refuses_to_write_what_breaks_the_codelists(
        self, engine: Engine, tmp_path: Path
    ) -> None:
        schema = tmp_path / "ocds"
        shutil.copytree(SCHEMA_DIR, schema)
        codelist = schema / "milestoneType.csv"
        codelist.write_text(
            "\n".join(line for line in codelist.read_text().splitlines() if "delivery" not in line)
        )
        output = tmp_path / "ocds.json"

        result = self.kuznia(engine, "--output", str(output), "--schema", str(schema))

        assert result.exit_code == 3
        assert "Invalid OCDS" in result.stderr
        assert "is not a milestone type of milestoneType.csv" in result.stderr
        assert not output.exists()

    def test_says_so_when_there_is_nothing_to_export(self, engine: Engine, tmp_path: Path) -> None:
        result = self.kuznia(engine, "--output", str(tmp_path / "ocds.json"))

        assert result.exit_code == 2
        assert "holds no contracts" in result.stderr
