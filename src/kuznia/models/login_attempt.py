"""Failed logins counted per account and per client address, for the login throttle
(`kuznia.auth.throttle`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kuznia.models.base import Base


class LoginAttempts(Base):
    """Recent failed logins of one account (`kind` "account", `key` its normalised email) or
    one client address (`kind` "address"); a login is refused until `locked_until`."""

    __tablename__ = "login_attempts"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
