"""`kuznia users add` and `kuznia serve`, run as the `kuznia` command runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from kuznia.cli.main import app
from kuznia.instance import write_instance
from tests.db.builders import varied


class Kuznia:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.runner = CliRunner(env={"KUZNIA_DATABASE_URL": database_url})

    def __call__(self, *arguments: str | Path, stdin: str | None = None) -> Result:
        return self.runner.invoke(app, [str(a) for a in arguments], input=stdin)


@pytest.fixture
def kuznia(database_url: str, tmp_path: Path) -> Kuznia:
    """A migrated database holding VARIED."""
    command = Kuznia(database_url)
    path = tmp_path / "varied.json"
    write_instance(varied(), path)
    assert command("db", "upgrade").exit_code == 0
    assert command("import", path).exit_code == 0
    return command


def test_a_user_is_added_with_a_new_organisation(kuznia: Kuznia) -> None:
    result = kuznia(
        "users", "add", "P1@Producer.test", "--role", "producer", "--organisation", "Producer One",
        "--producer", "p1", "--password-stdin", stdin="long-password-for-kuznia\n",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "Added user p1@producer.test (producer) and organisation 'Producer One' (producer)" in (
        result.output
    )


def test_a_producer_organisation_for_an_unknown_producer_is_refused(kuznia: Kuznia) -> None:
    result = kuznia(
        "users", "add", "x@producer.test", "--role", "producer", "--organisation", "Ghost",
        "--producer", "p99", "--password-stdin", stdin="long-password-for-kuznia\n",
    )  # fmt: skip

    assert result.exit_code == 2
    assert 'producer: unknown producer "p99"' in result.output


def test_a_second_user_with_the_same_email_is_refused(kuznia: Kuznia) -> None:
    arguments = ["users", "add", "a@ministry.test", "--role", "planner", "--organisation", "M"]
    kuznia(*arguments, "--password-stdin", stdin="long-password-for-kuznia\n")

    again = kuznia(*arguments, "--password-stdin", stdin="long-password-for-kuznia\n")

    assert again.exit_code == 2
    assert 'a user with email "a@ministry.test" exists' in again.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_on_loopback(kuznia: Kuznia) -> None:
    kuznia(
        "users", "add", "a@ministry.test", "--role", "planner", "--organisation", "M",
        "--password-stdin", stdin="long-password-for-kuznia\n",
    )  # fmt: skip
    port = _free_port()
    env = {**os.environ, "KUZNIA_DATABASE_URL": kuznia.database_url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from kuznia.cli.main import app; app()",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 30
        while True:
            try:
                openapi = httpx.get(f"{base}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        login = httpx.post(
            f"{base}/auth/login",
            json={"email": "a@ministry.test", "password": "long-password-for-kuznia"},
        )
        token = login.json()["token"]
        lines = httpx.get(f"{base}/lines", headers={"Authorization": f"Bearer {token}"})
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert openapi.json()["info"]["title"] == "Kuznia"
    assert lines.json()["total"] == 4


def test_a_password_breaking_the_policy_is_refused_naming_the_field(kuznia: Kuznia) -> None:
    arguments = ["users", "add", "b@ministry.test", "--role", "planner", "--organisation", "M"]

    short = kuznia(*arguments, "--password-stdin", stdin="12345\n")
    common = kuznia(*arguments, "--password-stdin", stdin="qwertyuiop123\n")

    assert short.exit_code == common.exit_code == 2
    assert "password: the password has 5 characters: it needs at least 12" in short.output
    assert "password: the password is on the list of common passwords" in common.output


def test_a_look_alike_email_is_refused_naming_the_field(kuznia: Kuznia) -> None:
    result = kuznia(
        "users", "add", "аdmin@ministry.test", "--role", "planner", "--organisation", "M",
        "--password-stdin", stdin="long-password-for-kuznia\n",
    )  # fmt: skip

    assert result.exit_code == 2
    assert "email: 'аdmin@ministry.test' has characters outside ASCII" in result.output
