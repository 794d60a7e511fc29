"""The login throttle: failed logins are counted per account and per client address, and after
a few free failures each further one locks the account (or the address) for twice as long as
the last, up to a cap; a login while locked is refused with 429 and Retry-After, before any
password is checked (so a flood costs no argon2).

The counts live in the database (`login_attempts`), not in the process: every server process
and every worker of `kuznia serve` sees the same counts, and a restart forgets nothing. An
account's count is cleared by a successful login; an address's only fades, after
`forget_after_seconds` without a failure (so logging in to one's own account between guesses
does not reset the address). Failures are forgotten the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kuznia.errors import TooManyAttempts
from kuznia.models import LoginAttempts
from kuznia.models.base import as_utc

if TYPE_CHECKING:
    from kuznia.settings import Settings

ACCOUNT = "account"
ADDRESS = "address"


@dataclass(frozen=True)
class ThrottleRules:
    """How many failures are free, and how long the locks after them last."""

    account_free: int = 5
    address_free: int = 20
    lock_seconds: float = 15.0
    lock_max_seconds: float = 900.0
    forget_after_seconds: float = 3600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottleRules:
        """The rules the settings (`KUZNIA_LOGIN_*`) give."""
        return cls(
            account_free=settings.login_account_free_failures,
            address_free=settings.login_address_free_failures,
            lock_seconds=settings.login_lock_seconds,
            lock_max_seconds=settings.login_lock_max_seconds,
        )

    def lock_for(self, *, kind: str, failures: int) -> float | None:
        """Seconds to lock after the `failures`-th failure in a row; None while still free."""
        free = self.account_free if kind == ACCOUNT else self.address_free
        if failures <= free:
            return None
        return float(
            min(self.lock_seconds * 2 ** min(failures - free - 1, 30), self.lock_max_seconds)
        )


Key = tuple[str, str]


def keys_of(*, email: str, address: str | None) -> list[Key]:
    """The throttle's keys for a login: the (normalised) e-mail if it can be anyone's (ASCII),
    and the address if known."""
    keys = [(ACCOUNT, email[:320])] if email.isascii() else []
    if address:
        keys.append((ADDRESS, address[:320]))
    return keys


def check(*, session: Session, keys: Sequence[Key], now: datetime) -> None:
    """Raise TooManyAttempts if any of `keys` is locked at `now`."""
    if not keys:
        return
    rows = session.execute(
        select(LoginAttempts.kind, LoginAttempts.locked_until).where(
            or_(*(_is(key) for key in keys)), LoginAttempts.locked_until.is_not(None)
        )
    ).all()
    waits = {kind: (as_utc(until) - now).total_seconds() for kind, until in rows if until}
    waits = {kind: wait for kind, wait in waits.items() if wait > 0}
    if waits:
        which = " and ".join(
            "this account" if kind == ACCOUNT else "this address" for kind in sorted(waits)
        )
        retry_after = math.ceil(max(waits.values()))
        raise TooManyAttempts(
            f"too many failed logins from {which}: try again in {retry_after} seconds",
            retry_after=retry_after,
        )


def record_failure(
    *, session: Session, keys: Sequence[Key], rules: ThrottleRules, now: datetime
) -> None:
    """Count one more failed login for each of `keys`, locking those past their free count."""
    forgotten = now - timedelta(seconds=rules.forget_after_seconds)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for kind, key in keys:
        statement: Any = insert(LoginAttempts).values(
            kind=kind, key=key, failures=1, last_failure_at=now, locked_until=None
        )
        statement = statement.on_conflict_do_update(
            index_elements=[LoginAttempts.kind, LoginAttempts.key],
            set_={
                "failures": case(
                    (LoginAttempts.last_failure_at < forgotten, 1),
                    else_=LoginAttempts.failures + 1,
                ),
                "last_failure_at": now,
            },
        ).returning(LoginAttempts.failures)
        failures = int(session.execute(statement).scalar_one())
        seconds = rules.lock_for(kind=kind, failures=failures)
        if seconds is not None:
            session.execute(
                update(LoginAttempts)
                .where(_is((kind, key)))
                .values(locked_until=now + timedelta(seconds=seconds))
            )
    # old counts of addresses and mistyped e-mails are of no use any more
    session.execute(
        delete(LoginAttempts).where(
            LoginAttempts.last_failure_at < forgotten,
            or_(LoginAttempts.locked_until.is_(None), LoginAttempts.locked_until < now),
        )
    )


def forget_account(*, session: Session, email: str) -> None:
    """Clear an account's failures (after it logged in)."""
    if not email.isascii():
        return
    session.execute(delete(LoginAttempts).where(_is((ACCOUNT, email[:320]))))


def _is(key: Key) -> Any:
    return (LoginAttempts.kind == key[0]) & (LoginAttempts.key == key[1])
