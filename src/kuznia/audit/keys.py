"""The audit chain's HMAC key, kept outside the database.

Each event's hash is an HMAC-SHA-256 under this key, so someone who can write to the database
but does not hold the key cannot edit an event and recompute the hashes after it.

Where the key comes from, first found wins:
1. `KUZNIA_AUDIT_KEY`: the key itself (at least 32 characters).
2. `KUZNIA_AUDIT_KEY_FILE`: a file whose first non-empty line is the key; further lines are
   retired keys, still used to verify the events they signed (rotation: put a new key on the
   first line and keep the old one below it).
3. The laptop default: `audit.key` in the user's data directory, made on first use with a
   random key and permissions 0600, with a warning that production must set its own.

Events carry the id of the key that signed them (`hmac-sha256:<key id>`); the key id is a
digest of the key and reveals nothing of it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_path

from kuznia.errors import KuzniaError

log = logging.getLogger(__name__)

SHORTEST_KEY = 32
KEY_ENV = "KUZNIA_AUDIT_KEY"
KEY_FILE_ENV = "KUZNIA_AUDIT_KEY_FILE"
# The scheme of events written before the chain was keyed: a plain SHA-256.
UNKEYED = "sha256"
KEYED = "hmac-sha256"


class AuditKeyError(KuzniaError):
    """The audit key is missing, unreadable or too short."""

    code = "audit_key"


@dataclass(frozen=True)
class Keyring:
    """The key that signs new events, and every key (current and retired) by its id."""

    current_id: str
    keys: dict[str, bytes]

    @property
    def scheme(self) -> str:
        """The scheme new events are written with: `hmac-sha256:<key id>`."""
        return f"{KEYED}:{self.current_id}"

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]


def key_id(key: bytes) -> str:
    """A short public name of a key: 16 hex digits of a digest of it."""
    return hashlib.sha256(b"kuznia-audit-key-id:" + key).hexdigest()[:16]


def default_key_file() -> Path:
    """The laptop default: `audit.key` beside the default SQLite database."""
    return user_data_path("kuznia") / "audit.key"


def keyring() -> Keyring:
    """The keyring the environment names (read once per process and setting)."""
    return _keyring(os.environ.get(KEY_ENV) or None, os.environ.get(KEY_FILE_ENV) or None)


@lru_cache(maxsize=8)
def _keyring(key: str | None, key_file: str | None) -> Keyring:
    if key is not None:
        return _ring([key], source=KEY_ENV)
    if key_file is not None:
        return _ring(_read(Path(key_file).expanduser()), source=key_file)
    path = default_key_file()
    if not path.exists():
        _create(path)
    log.warning(
        "The audit chain is keyed with %s, made for this laptop; a production installation "
        "must set %s or %s to a key kept away from the database and its backups.",
        path,
        KEY_FILE_ENV,
        KEY_ENV,
    )
    return _ring(_read(path), source=str(path))


def _ring(lines: list[str], *, source: str) -> Keyring:
    keys: dict[str, bytes] = {}
    for line in lines:
        if len(line) < SHORTEST_KEY:
            raise AuditKeyError(
                f"the audit key in {source} has {len(line)} characters; at least "
                f"{SHORTEST_KEY} are needed"
            )
        keys.setdefault(key_id(line.encode("utf-8")), line.encode("utf-8"))
    if not keys:
        raise AuditKeyError(f"{source} holds no audit key")
    return Keyring(current_id=key_id(lines[0].encode("utf-8")), keys=keys)


def _read(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise AuditKeyError(f"cannot read the audit key file {path}: {error.strerror}") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def _create(path: Path) -> None:
    """A new random key at `path`, readable by its owner only; a file made meanwhile by
    another process is kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secrets.token_hex(32) + "\n")
