"""A PostgreSQL server that accepts the connection but never answers makes the connect fail
after `database_connect_timeout` seconds, instead of hanging the request that asked."""

from __future__ import annotations

import socket
import time

import pytest
from sqlalchemy.exc import OperationalError

from kuznia.db import database_engine
from kuznia.settings import Settings


def test_a_silent_postgresql_server_fails_the_connect_after_the_timeout() -> None:
    with socket.socket() as silent:  # listens, and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        engine = database_engine(
            Settings(
                database_url=f"postgresql+psycopg://kuznia@127.0.0.1:{port}/kuznia",
                database_connect_timeout=2,
            )
        )
        start = time.monotonic()
        with pytest.raises(OperationalError, match="timeout"):
            engine.connect()
        waited = time.monotonic() - start
        engine.dispose()

    assert 1.5 <= waited < 10
