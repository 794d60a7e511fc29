"""Every query of users, organisations and tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from kuznia.audit.chain import Change, record
from kuznia.models import ApiToken, Depot, Fund, Organisation, Producer, User
from kuznia.pagination import PageParams, paginate


def user_by_email(*, session: Session, email: str) -> User | None:
    """The user with this (lower-case) email, with its organisation."""
    return session.scalars(
        select(User).where(User.email == email).options(selectinload(User.organisation))
    ).first()


def depot_ids(*, session: Session, organisation_id: int) -> Sequence[int]:
    """The depots an organisation runs."""
    return session.scalars(
        select(Depot.id).where(Depot.organisation_id == organisation_id).order_by(Depot.id)
    ).all()


def user_by_id(*, session: Session, user_id: int) -> User | None:
    """The user with this id."""
    return session.get(User, user_id)


def list_users(*, session: Session, page: PageParams) -> tuple[Sequence[User], int]:
    """A page of users in id order, and how many there are."""
    statement = select(User).options(selectinload(User.organisation)).order_by(User.id)
    return paginate(session=session, statement=statement, page=page)


def token_by_hash(*, session: Session, token_hash: str) -> ApiToken | None:
    """The token with this hash, with its user and the user's organisation and funds."""
    return session.scalars(
        select(ApiToken)
        .where(ApiToken.token_hash == token_hash)
        .options(
            selectinload(ApiToken.user)
            .selectinload(User.organisation)
            .selectinload(Organisation.funds)
        )
    ).first()


def all_emails(*, session: Session) -> Sequence[str]:
    """Every user's e-mail."""
    return session.scalars(select(User.email)).all()


def revoke_tokens_of(
    *, session: Session, user_id: int, when: datetime, but: str | None = None
) -> None:
    """Revoke every live token of a user (but the one whose hash is `but`)."""
    statement = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if but is not None:
        statement = statement.where(ApiToken.token_hash != but)
    session.execute(statement.values(revoked_at=when))
    record(
        session=session,
        changes=[Change("revoke_tokens", "users", str(user_id), after={"revoked_at": when})],
    )


def organisation_by_name(*, session: Session, name: str) -> Organisation | None:
    """The organisation with this name."""
    return session.scalars(select(Organisation).where(Organisation.name == name)).first()


def list_organisations(*, session: Session, page: PageParams) -> tuple[Sequence[Organisation], int]:
    """A page of organisations in id order, and how many there are."""
    statement = (
        select(Organisation)
        .options(selectinload(Organisation.producer), selectinload(Organisation.funds))
        .order_by(Organisation.id)
    )
    return paginate(session=session, statement=statement, page=page)


def producer_by_code(*, session: Session, code: str) -> Producer | None:
    """The producer with this code."""
    return session.scalars(select(Producer).where(Producer.code == code)).first()


def funds_by_code(*, session: Session, codes: list[str]) -> list[Fund]:
    """The funds with these codes (those that exist)."""
    return list(session.scalars(select(Fund).where(Fund.code.in_(codes))).all())


def active_emails_among(*, session: Session, emails: Sequence[str]) -> list[str]:
    """Which of `emails` belong to users who may log in, sorted."""
    return list(
        session.scalars(
            select(User.email)
            .where(User.email.in_(emails), User.active.is_(True))
            .order_by(User.email)
        )
    )
