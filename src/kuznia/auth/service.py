"""Users, organisations and login tokens.

Passwords are stored as argon2 hashes. A login token is 32 random bytes shown once; the
database keeps only its SHA-256 (a token is random, so a fast hash is enough to make a stolen
table useless), its expiry and, once revoked, when.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from kuznia.audit import Actor, set_actor
from kuznia.auth import repository
from kuznia.auth.permissions import Action, Scope
from kuznia.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    ensure_version,
)
from kuznia.models import ApiToken, Organisation, OrganisationKind, Role, User
from kuznia.models.base import as_utc
from kuznia.pagination import PageParams

TOKEN_PREFIX = "kz_"

# The organisations each role can belong to.
ROLE_KINDS: dict[Role, frozenset[OrganisationKind]] = {
    Role.planner: frozenset({OrganisationKind.ministry}),
    Role.producer: frozenset({OrganisationKind.producer}),
    Role.partner: frozenset({OrganisationKind.partner}),
    Role.logistics: frozenset({OrganisationKind.depot}),
    Role.auditor: frozenset({OrganisationKind.auditor, OrganisationKind.ministry}),
    Role.admin: frozenset({OrganisationKind.ministry}),
}

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    """An argon2 hash of `password` (parameters and salt included)."""
    return _hasher.hash(password)


def hash_token(token: str) -> str:
    """The stored form of a login token."""
    return hashlib.sha256(token.encode()).hexdigest()


def add_organisation(
    *,
    session: Session,
    name: str,
    kind: OrganisationKind,
    producer: str | None = None,
    funds: Sequence[str] = (),
) -> Organisation:
    """Create an organisation; a producer's is linked to its producer, a partner's to funds."""
    if repository.organisation_by_name(session=session, name=name) is not None:
        raise Conflict(f'organisation "{name}" exists')
    problems: list[FieldProblem] = []
    if producer is not None and kind is not OrganisationKind.producer:
        problems.append(FieldProblem("producer", "only a producer organisation has a producer"))
    if funds and kind is not OrganisationKind.partner:
        problems.append(FieldProblem("funds", "only a partner organisation has funds"))
    if kind is OrganisationKind.producer and producer is None:
        problems.append(FieldProblem("producer", "a producer organisation needs its producer"))
    linked = None
    if producer is not None and kind is OrganisationKind.producer:
        linked = repository.producer_by_code(session=session, code=producer)
        if linked is None:
            problems.append(FieldProblem("producer", f'unknown producer "{producer}"'))
    found = repository.funds_by_code(session=session, codes=list(funds))
    known = {fund.code for fund in found}
    problems.extend(
        FieldProblem(f"funds[{index}]", f'unknown fund "{code}"')
        for index, code in enumerate(funds)
        if code not in known
    )
    if problems:
        raise InvalidInput(f"organisation {name!r} cannot be created", problems=problems)
    organisation = Organisation(name=name, kind=kind, producer=linked, funds=found)
    session.add(organisation)
    session.flush()
    return organisation


def add_user(*, session: Session, email: str, password: str, role: Role, organisation: str) -> User:
    """Create a user of an existing organisation whose kind fits the role."""
    email = email.strip().lower()
    if repository.user_by_email(session=session, email=email) is not None:
        raise Conflict(f'a user with email "{email}" exists')
    found = repository.organisation_by_name(session=session, name=organisation)
    if found is None:
        raise InvalidInput(
            f'unknown organisation "{organisation}"',
            problems=[FieldProblem("organisation", f'unknown organisation "{organisation}"')],
        )
    if found.kind not in ROLE_KINDS[role]:
        kinds = ", ".join(sorted(kind.value for kind in ROLE_KINDS[role]))
        raise InvalidInput(
            f"role {role.value} needs an organisation of kind {kinds}",
            problems=[
                FieldProblem(
                    "role",
                    f'role {role.value} cannot belong to {found.kind.value} organisation "{organisation}"',
                )
            ],
        )
    user = User(email=email, password_hash=hash_password(password), role=role, organisation=found)
    session.add(user)
    session.flush()
    return user


def update_user(
    *,
    session: Session,
    user_id: int,
    version: int,
    active: bool | None = None,
    role: Role | None = None,
    password: str | None = None,
) -> User:
    """Change a user's role, password or whether it may log in; deactivating or a new password
    revokes its tokens."""
    user = repository.user_by_id(session=session, user_id=user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    ensure_version(current=user.version, given=version, what=f"user {user_id}")
    if role is not None and role is not user.role:
        if user.organisation.kind not in ROLE_KINDS[role]:
            raise InvalidInput(
                f"role {role.value} does not fit organisation {user.organisation.name!r}",
                problems=[FieldProblem("role", f"role {role.value} does not fit the organisation")],
            )
        user.role = role
    if password is not None:
        user.password_hash = hash_password(password)
    if active is not None:
        user.active = active
    if password is not None or active is False:
        repository.revoke_tokens_of(session=session, user_id=user.id, when=datetime.now(UTC))
    session.flush()
    return user


def list_users(*, session: Session, scope: Scope, page: PageParams) -> tuple[Sequence[User], int]:
    """A page of users in id order, and how many there are, for a caller who may read them."""
    scope.require("users", Action.read)
    return repository.list_users(session=session, page=page)


def login(*, session: Session, email: str, password: str, hours: float) -> tuple[str, ApiToken]:
    """A new token for the user with these credentials; the same error for any mismatch."""
    user = repository.user_by_email(session=session, email=email.strip().lower())
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.active:
        raise NotAuthenticated("wrong email or password, or the user is not active")
    set_actor(session, Actor(name=user.email, user_id=user.id))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        token_hash=hash_token(token),
        user=user,
        expires_at=datetime.now(UTC) + timedelta(hours=hours),
    )
    session.add(record)
    session.flush()
    return token, record


def logout(*, session: Session, token: str) -> None:
    """Revoke a token (an unknown or already revoked one is left as it is)."""
    record = repository.token_by_hash(session=session, token_hash=hash_token(token))
    if record is not None and record.revoked_at is None:
        record.revoked_at = datetime.now(UTC)
        session.flush()


def authenticate(*, session: Session, token: str) -> Scope:
    """The scope of the user a live token belongs to."""
    record = repository.token_by_hash(session=session, token_hash=hash_token(token))
    now = datetime.now(UTC)
    if record is None or record.revoked_at is not None or as_utc(record.expires_at) <= now:
        raise NotAuthenticated("the token is unknown, expired or revoked: log in again")
    user = record.user
    if not user.active:
        raise NotAuthenticated("the user is not active")
    organisation = user.organisation
    set_actor(session, Actor(name=user.email, user_id=user.id))
    return Scope(
        user_id=user.id,
        role=user.role,
        organisation_id=organisation.id,
        producer_id=organisation.producer_id,
        fund_ids=frozenset(fund.id for fund in organisation.funds),
        depot_ids=frozenset(repository.depot_ids(session=session, organisation_id=organisation.id)),
    )
