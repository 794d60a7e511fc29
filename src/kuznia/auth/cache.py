"""A short-lived memory of authenticated tokens, so a request does not pay for reading its
token, user, organisation and depots from the database every time (issue 16).

Keyed by the token's SHA-256 (never the token), each entry holds the caller's scope for at most
`Settings.token_cache_seconds` (default 5 s) and never past the token's own expiry. It is one
process's memory: a token revoked (log out, a new password, a user deactivated or changed) is
forgotten at once in the process that revoked it, when the revocation commits; another process
(`kuznia serve --workers N`) may still accept it for at most those seconds, which is the
documented bound on revocation (README, "Serving"). 0 turns the memory off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kuznia.auth.permissions import Scope

# The most tokens remembered at once; beyond, the oldest are forgotten first.
MOST_TOKENS = 10_000


@dataclass(frozen=True)
class Remembered:
    """What authenticating a token found: the caller's scope and e-mail, the token's expiry,
    and when (on the monotonic clock) it was read from the database."""

    scope: Scope
    email: str
    expires_at: datetime
    read_at: float


class TokenCache:
    """Authenticated tokens by hash, each for at most `seconds` after it was read; safe to
    share between the threads of a process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, Remembered] = {}
        self._lock = threading.Lock()

    def get(self, token_hash: str, *, seconds: float, now: datetime) -> Remembered | None:
        """The entry of a token read less than `seconds` ago and not expired by `now`."""
        if seconds <= 0:
            return None
        with self._lock:
            entry = self._entries.get(token_hash)
            if entry is None:
                return None
            if self._clock() - entry.read_at >= seconds or entry.expires_at <= now:
                del self._entries[token_hash]
                return None
            return entry

    def put(
        self, token_hash: str, *, scope: Scope, email: str, expires_at: datetime, seconds: float
    ) -> None:
        """Remember a token just authenticated (not at all when `seconds` is 0)."""
        if seconds <= 0:
            return
        entry = Remembered(scope, email, expires_at, self._clock())
        with self._lock:
            self._entries.pop(token_hash, None)
            while len(self._entries) >= MOST_TOKENS:
                del self._entries[next(iter(self._entries))]
            self._entries[token_hash] = entry

    def forget_user(self, user_id: int) -> None:
        """Forget every token of a user (its tokens were revoked, or its role changed)."""
        with self._lock:
            for token_hash in [
                key for key, entry in self._entries.items() if entry.scope.user_id == user_id
            ]:
                del self._entries[token_hash]

    def forget(self, token_hash: str) -> None:
        """Forget one token (it was revoked)."""
        with self._lock:
            self._entries.pop(token_hash, None)

    def clear(self) -> None:
        """Forget every token."""
        with self._lock:
            self._entries.clear()


# The process's memory of tokens.
tokens = TokenCache()
