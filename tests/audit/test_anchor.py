"""The chain anchored: events keyed with an HMAC whose key is outside the database, the head
printed to be copied elsewhere, and `verify --expect SEQ:HASH` catching a tail cut off (head
moved back) or rewritten. Each tampering names the first broken event.

Out of scope: someone holding the audit key (a compromised key) can rewrite events and every
hash after them; only a head copied outside the database (`--expect`) catches that, from the
anchored event back (tests/audit/test_chain.py shows an event re-signed with the key)."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from kuznia import models
from kuznia.audit import keys, verify
from kuznia.audit.chain import Anchor, event_hash
from kuznia.audit.keys import Keyring, key_id
from kuznia.cli.main import app
from kuznia.db import session_scope
from kuznia.models.audit import HEAD_ID
from kuznia.models.base import as_utc
from tests.audit.test_chain import events, tamper, write_some

FIELDS = ("seq", "actor_id", "actor", "action", "entity", "entity_id", "before", "after")


def rechain(
    engine: Engine, *, start: int, scheme: str, ring: Keyring | None = None, **edit: Any
) -> None:
    """What an attacker with write access to the database does: edit event `start` and
    recompute every hash from it on (and the head), under `scheme` (with `ring`'s key)."""
    with session_scope(engine) as session:
        chain = list(session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.seq)))
        prev_hash = chain[start - 2].hash if start > 1 else "0" * 64
        for event in chain[start - 1 :]:
            if event.seq == start:
                for name, value in edit.items():
                    setattr(event, name, value)
            row = {name: getattr(event, name) for name in FIELDS}
            row |= {"at": as_utc(event.at), "prev_hash": prev_hash, "scheme": scheme}
            event.prev_hash, event.scheme = prev_hash, scheme
            event.hash = prev_hash = event_hash(row, ring)
        session.execute(
            update(models.AuditHead)
            .where(models.AuditHead.id == HEAD_ID)
            .values(seq=chain[-1].seq, hash=prev_hash)
        )


def head_of(engine: Engine) -> Anchor:
    with session_scope(engine) as session:
        head = session.get(models.AuditHead, HEAD_ID)
        assert head is not None
        return Anchor(head.seq, head.hash)


def checked(engine: Engine, expect: Anchor | None = None) -> tuple[int, str] | None:
    with session_scope(engine) as session:
        outcome = verify(session=session, expect=expect)
    broken = outcome.first_break
    return None if broken is None else (broken.seq, broken.problem)


def cli(engine: Engine) -> CliRunner:
    return CliRunner(env={"KUZNIA_DATABASE_URL": engine.url.render_as_string(False)})


class TestKeyed:
    def test_new_events_are_signed_with_the_audit_keys_hmac(self, engine: Engine) -> None:
        write_some(engine)

        recorded = events(engine)

        scheme = f"hmac-sha256:{key_id(os.environ['KUZNIA_AUDIT_KEY'].encode())}"
        assert {event.scheme for event in recorded} == {scheme}
        assert len(scheme) == len("hmac-sha256:") + 16

    def test_an_event_edited_and_rehashed_without_the_key_is_named(self, engine: Engine) -> None:
        write_some(engine)
        real = key_id(os.environ["KUZNIA_AUDIT_KEY"].encode())
        # The attacker keeps the scheme (naming the real key) but can only guess a key.
        guessed = Keyring(real, {real: b"a key the attacker made up, 32+ chars"})
        rechain(
            engine,
            start=3,
            scheme=f"hmac-sha256:{real}",
            ring=guessed,
            actor="someone else",
        )

        assert checked(engine) == (
            3,
            "event 3: its content does not match its hash: it was changed after it was written",
        )

    def test_an_event_rehashed_as_unkeyed_after_keyed_ones_is_named(self, engine: Engine) -> None:
        write_some(engine)
        rechain(engine, start=3, scheme="sha256", actor="someone else")

        assert checked(engine) == (
            3,
            "event 3: it carries an unkeyed hash after keyed events: it was replaced by "
            "someone without the audit key",
        )

    def test_an_event_signed_with_a_key_not_configured_is_named(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        write_some(engine)
        old = key_id(os.environ["KUZNIA_AUDIT_KEY"].encode())
        monkeypatch.setenv("KUZNIA_AUDIT_KEY", "another-key-for-the-next-year-0123456789")

        assert checked(engine) == (
            1,
            f"event 1: it was signed with audit key {old}, which is not configured (set that "
            "key, or keep it as a retired key in the key file)",
        )

    def test_a_rotated_key_verifies_old_events_with_the_retired_key_below_the_new_one(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        write_some(engine)
        key_file = tmp_path / "audit.key"
        key_file.write_text(
            f"new-key-0123456789abcdef0123456789\n{os.environ['KUZNIA_AUDIT_KEY']}\n"
        )
        monkeypatch.delenv("KUZNIA_AUDIT_KEY")
        monkeypatch.setenv("KUZNIA_AUDIT_KEY_FILE", str(key_file))
        with session_scope(engine) as session:
            session.add(models.Grouping(code="g-west", name="West"))

        recorded = events(engine)
        assert recorded[-1].scheme == f"hmac-sha256:{key_id(b'new-key-0123456789abcdef0123456789')}"
        assert recorded[0].scheme != recorded[-1].scheme
        assert checked(engine) is None

    def test_events_written_before_the_chain_was_keyed_keep_verifying(self, engine: Engine) -> None:
        write_some(engine)
        rechain(engine, start=1, scheme="sha256")  # as revision 0003 wrote them
        with session_scope(engine) as session:
            session.add(models.Grouping(code="g-west", name="West"))

        with session_scope(engine) as session:
            outcome = verify(session=session)

        assert (outcome.intact, outcome.events, outcome.unkeyed) == (True, 6, 5)
        assert events(engine)[-1].scheme.startswith("hmac-sha256:")


class TestKeyFile:
    @pytest.fixture
    def laptop(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
        """No key set: the default file, in a data directory of the test's own."""
        path = tmp_path / "data" / "audit.key"
        monkeypatch.delenv("KUZNIA_AUDIT_KEY")
        monkeypatch.delenv("KUZNIA_AUDIT_KEY_FILE", raising=False)
        monkeypatch.setattr(keys, "default_key_file", lambda: path)
        keys._keyring.cache_clear()
        yield path
        keys._keyring.cache_clear()

    def test_without_a_key_one_is_made_in_the_data_directory_readable_by_its_owner_only(
        self, laptop: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        ring = keys.keyring()

        assert stat.S_IMODE(laptop.stat().st_mode) == 0o600
        assert ring.current == laptop.read_text().strip().encode()
        assert len(ring.current) == 64
        assert "production installation must set KUZNIA_AUDIT_KEY_FILE" in caplog.text
        assert keys._keyring(None, None) == ring

    def test_a_short_or_missing_key_is_refused_naming_where_it_came_from(
        self, tmp_path: Path
    ) -> None:
        with pytest.raises(keys.AuditKeyError) as short:
            keys._keyring("too-short", None)
        with pytest.raises(keys.AuditKeyError) as missing:
            keys._keyring(None, str(tmp_path / "nowhere.key"))

        assert short.value.detail == (
            "the audit key in KUZNIA_AUDIT_KEY has 9 characters; at least 32 are needed"
        )
        assert missing.value.detail.startswith(f"cannot read the audit key file {tmp_path}")


class TestAnchor:
    def test_a_cut_tail_with_the_head_moved_back_is_caught_by_the_expected_head(
        self, engine: Engine
    ) -> None:
        write_some(engine)
        anchor = head_of(engine)
        third = events(engine)[2]
        tamper(engine, "DELETE FROM audit_events WHERE seq > 3")
        tamper(engine, f"UPDATE audit_head SET seq = 3, hash = '{third.hash}'")

        assert checked(engine) is None  # the chain alone cannot tell
        assert checked(engine, anchor) == (
            4,
            "the chain ends at event 3 but event 5 was anchored: events 4 to 5 were cut off "
            "its end (and the head moved back)",
        )

    def test_a_tail_rewritten_with_the_key_is_caught_at_the_anchored_event(
        self, engine: Engine
    ) -> None:
        write_some(engine)
        anchor = head_of(engine)
        current = events(engine)[0].scheme
        rechain(engine, start=4, scheme=current, actor="someone else")  # a compromised key

        assert checked(engine) is None
        broken = checked(engine, anchor)
        assert broken is not None
        assert broken[0] == 5
        assert "is not the anchored" in broken[1]
        assert "rewritten up to this event" in broken[1]

    def test_an_intact_chain_passes_an_earlier_anchor(self, engine: Engine) -> None:
        write_some(engine)
        second = events(engine)[1]

        assert checked(engine, Anchor(2, second.hash)) is None

    def test_kuznia_audit_head_prints_one_line_to_copy_and_json(self, engine: Engine) -> None:
        write_some(engine)
        last = events(engine)[-1]

        line = cli(engine).invoke(app, ["audit", "head"])
        as_json = cli(engine).invoke(app, ["audit", "head", "--json"])

        when = as_utc(last.at).isoformat(timespec="seconds")
        assert line.exit_code == 0, line.output
        assert line.output == f"5:{last.hash} {when}\n"
        assert json.loads(as_json.output) == {
            "seq": 5,
            "hash": last.hash,
            "at": when,
            "anchor": f"5:{last.hash}",
        }

    def test_kuznia_audit_verify_expect_names_the_cut(self, engine: Engine) -> None:
        write_some(engine)
        anchor = cli(engine).invoke(app, ["audit", "head"]).output.split()[0]
        third = events(engine)[2]
        tamper(engine, "DELETE FROM audit_events WHERE seq > 3")
        tamper(engine, f"UPDATE audit_head SET seq = 3, hash = '{third.hash}'")

        plain = cli(engine).invoke(app, ["audit", "verify"])
        anchored = cli(engine).invoke(app, ["audit", "verify", "--expect", anchor])
        malformed = cli(engine).invoke(app, ["audit", "verify", "--expect", "5:abc"])

        assert plain.exit_code == 0
        assert anchored.exit_code == 3
        assert "broken at event 4: the chain ends at event 3 but event 5 was anchored" in (
            anchored.output
        )
        assert malformed.exit_code == 2
        assert "expected SEQ:HASH (an event number, a colon and 64 hex digits), got '5:abc'" in (
            malformed.output
        )
