"""The audit chain: every write appends an event linked to the one before; editing, deleting
or reordering events directly in the database breaks the chain, and `verify` (and `kuznia
audit verify`) names the first broken event."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from kuznia import models
from kuznia.audit import Actor, verify
from kuznia.audit.chain import event_hash
from kuznia.cli.main import app
from kuznia.db import session_scope
from kuznia.models.base import as_utc
from kuznia.registry import import_instance
from tests.db.builders import varied

HASHED = (
    "seq",
    "actor_id",
    "actor",
    "action",
    "entity",
    "entity_id",
    "before",
    "after",
    "prev_hash",
)
PLANNER = Actor(name="planner@example.org", user_id=7)


def events(engine: Engine) -> list[models.AuditEvent]:
    with session_scope(engine) as session:
        return list(session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.seq)))


def write_some(engine: Engine) -> None:
    """Five events: an item created, renamed, a second item created, the first deleted, a
    grouping created."""
    with session_scope(engine, PLANNER) as session:
        shells = models.Item(code="shells", name="Shells", category="ammunition", unit="pcs")
        session.add(shells)
    with session_scope(engine, PLANNER) as session:
        item = session.scalars(select(models.Item).where(models.Item.code == "shells")).one()
        item.name = "155 mm shells"
    with session_scope(engine, PLANNER) as session:
        session.add(models.Item(code="drones", name="Drones", category="uav", unit="pcs"))
    with session_scope(engine, PLANNER) as session:
        session.delete(
            session.scalars(select(models.Item).where(models.Item.code == "shells")).one()
        )
    with session_scope(engine, PLANNER) as session:
        session.add(models.Grouping(code="g-east", name="East"))


def tamper(engine: Engine, statement: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement))


class TestRecording:
    def test_each_write_is_an_event_with_its_actor_and_the_record_before_and_after(
        self, engine: Engine
    ) -> None:
        write_some(engine)

        recorded = events(engine)

        assert [(e.seq, e.action, e.entity) for e in recorded] == [
            (1, "create", "items"),
            (2, "update", "items"),
            (3, "create", "items"),
            (4, "delete", "items"),
            (5, "create", "groupings"),
        ]
        assert {(e.actor, e.actor_id) for e in recorded} == {("planner@example.org", 7)}
        renamed = recorded[1]
        assert json.loads(renamed.before or "")["name"] == "Shells"
        assert json.loads(renamed.after or "")["name"] == "155 mm shells"
        assert recorded[0].before is None
        assert recorded[3].after is None
        assert [e.prev_hash for e in recorded[1:]] == [e.hash for e in recorded[:-1]]

    def test_an_intact_chain_verifies(self, engine: Engine) -> None:
        write_some(engine)

        with session_scope(engine) as session:
            outcome = verify(session=session)

        assert (outcome.intact, outcome.events, outcome.head_seq) == (True, 5, 5)

    def test_a_registry_import_is_one_event_with_the_counts_and_the_documents_digest(
        self, engine: Engine
    ) -> None:
        with session_scope(engine, PLANNER) as session:
            import_instance(session=session, instance=varied())

        (imported,) = events(engine)
        after = json.loads(imported.after or "")
        assert (imported.action, imported.entity) == ("import", "registry")
        assert after["counts"]["lines"] == 4
        assert len(after["sha256"]) == 64

    def test_a_partners_link_to_a_fund_is_recorded_on_the_organisation(
        self, engine: Engine
    ) -> None:
        with session_scope(engine) as session:
            import_instance(session=session, instance=varied())
            session.add(models.Organisation(name="DK", kind=models.OrganisationKind.partner))
        with session_scope(engine, PLANNER) as session:
            partner = session.scalars(select(models.Organisation)).one()
            dk = session.scalars(select(models.Fund).where(models.Fund.code == "dk")).one()
            partner.funds.append(dk)

        linked = events(engine)[-1]
        assert (linked.action, linked.entity) == ("update", "organisations")
        assert json.loads(linked.before or "")["funds"] == []
        assert json.loads(linked.after or "")["funds"] == [str(dk.id)]

    def test_a_password_hash_is_withheld_from_the_chain(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            ministry = models.Organisation(name="Ministry", kind=models.OrganisationKind.ministry)
            session.add(
                models.User(
                    email="p@example.org",
                    organisation=ministry,
                    role=models.Role.planner,
                    password_hash="$argon2id$secret",
                )
            )

        users = [e for e in events(engine) if e.entity == "users"]
        assert json.loads(users[0].after or "")["password_hash"] == "[withheld]"
        assert "argon2id" not in (users[0].after or "")


class TestTampering:
    def test_an_edited_event_is_named(self, engine: Engine) -> None:
        write_some(engine)
        tamper(
            engine,
            "UPDATE audit_events SET after = replace(after, 'Drones', 'Shovels') WHERE seq = 3",
        )

        with session_scope(engine) as session:
            outcome = verify(session=session)

        assert outcome.first_break is not None
        assert outcome.first_break.seq == 3
        assert "changed after it was written" in outcome.first_break.problem
        assert outcome.events == 2

    def test_an_edited_event_whose_hash_was_recomputed_breaks_the_link_to_the_next(
        self, engine: Engine
    ) -> None:
        write_some(engine)
        with session_scope(engine) as session:
            second = session.scalars(
                select(models.AuditEvent).where(models.AuditEvent.seq == 2)
            ).one()
            second.actor = "someone else"
            # With the audit key (a compromised key): the event itself verifies again.
            second.hash = event_hash(
                {column: getattr(second, column) for column in HASHED}
                | {"at": as_utc(second.at), "scheme": second.scheme}
            )

        with session_scope(engine) as session:
            outcome = verify(session=session)

        assert outcome.first_break is not None
        assert outcome.first_break.seq == 3
        assert "previous hash does not match event 2's hash" in outcome.first_break.problem

    def test_a_deleted_event_is_named_as_missing(self, engine: Engine) -> None:
        write_some(engine)
        tamper(engine, "DELETE FROM audit_events WHERE seq = 2")

        with session_scope(engine) as session:
            outcome = verify(session=session)

        assert outcome.first_break is not None
        assert (outcome.first_break.seq, outcome.first_break.event_id) == (2, None)
        assert outcome.first_break.problem == "event 2 is missing (the next is 3)"

    def test_reordered_events_are_named(self, engine: Engine) -> None:
        write_some(engine)
        tamper(engine, "UPDATE audit_events SET seq = -1 WHERE seq = 3")
        tamper(engine, "UPDATE audit_events SET seq = 3 WHERE seq = 4")
        tamper(engine, "UPDATE audit_events SET seq = 4 WHERE seq = -1")

        with session_scope(engine) as session:
            outcome = verify(session=session)

        assert outcome.first_break is not None
        assert outcome.first_break.seq == 3
        assert "previous hash does not match event 2" in outcome.first_break.problem

    def test_events_cut_off_the_end_are_caught_by_the_head(self, engine: Engine) -> None:
        write_some(engine)
        tamper(engine, "DELETE FROM audit_events WHERE seq >= 4")

        with session_scope(engine) as session:
            outcome = verify(session=session)

        assert outcome.first_break is not None
        assert outcome.first_break.seq == 4
        assert "head names event 5" in outcome.first_break.problem


class TestCommand:
    def test_kuznia_audit_verify_says_intact_then_names_the_first_broken_event(
        self, engine: Engine
    ) -> None:
        write_some(engine)
        runner = CliRunner(env={"KUZNIA_DATABASE_URL": engine.url.render_as_string(False)})

        intact = runner.invoke(app, ["audit", "verify"])
        tamper(engine, "UPDATE audit_events SET actor = 'someone else' WHERE seq = 4")
        broken = runner.invoke(app, ["audit", "verify"])

        assert intact.exit_code == 0, intact.output
        assert "is intact: 5 events verified" in intact.output
        assert broken.exit_code == 3
        assert "broken at event 4" in broken.output
        assert "3 events before it are intact" in broken.output
