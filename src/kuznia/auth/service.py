"""Users, organisations and login tokens.

Passwords are stored as argon2 hashes, computed in a pool of `password_hashing_at_once` niced
threads per process: argon2 is slow on purpose, and a flood of logins must neither take the CPUs
other requests need nor hold their database connections (a login checks its password holding
none). Which e-mails and passwords are allowed is said in `kuznia.auth.policy`; failed logins are
throttled by `kuznia.auth.throttle`. A login token is 32 random bytes shown once; the database
keeps only its SHA-256 (a token is random, so a fast hash is enough to make a stolen table
useless), its expiry and, once revoked, when.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import event
from sqlalchemy.orm import Session

from kuznia.audit import Actor, set_actor
from kuznia.auth import policy, repository, throttle
from kuznia.auth.cache import tokens
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

TOKEN_PREFIX = "kz_"  # noqa: S105 (the visible prefix of every token, not a secret)

# The organisations each role can belong to.
ROLE_KINDS: dict[Role, frozenset[OrganisationKind]] = {
    Role.planner: frozenset({OrganisationKind.ministry}),
    Role.producer: frozenset({OrganisationKind.producer}),
    Role.partner: frozenset({OrganisationKind.partner}),
    Role.logistics: frozenset({OrganisationKind.depot}),
    Role.auditor: frozenset({OrganisationKind.auditor, OrganisationKind.ministry}),
    Role.admin: frozenset({OrganisationKind.ministry}),
}

# The most organisations a form offers to choose from (a ministry has a few hundred at most).
MAX_ORGANISATIONS = 5000
# Kinds of a user's problems (`FieldProblem.kind`, with the values they name; the API does
# not write them), for readers that word them (the web).
UNKNOWN_ORGANISATION = "unknown_organisation"  # value
ROLE_DOES_NOT_FIT = "role_does_not_fit"  # role
NOT_CURRENT = "not_the_current_password"  # the current one typed wrong
NOT_NEW = "new_is_current"  # the new one is the current one
PROBLEM_KINDS = (UNKNOWN_ORGANISATION, ROLE_DOES_NOT_FIT, NOT_CURRENT, NOT_NEW)

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")
# Password hashing runs in a small pool of its own threads, niced below the request threads
# (argon2's lanes run in threads these start, which inherit the niceness): at most that many
# hashes at a time, and while they run the CPU goes to other requests first.
_HASHING_NICENESS = 10


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):  # not on every system
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _HASHING_NICENESS)


def _hashing_pool(at_once: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=at_once, thread_name_prefix="argon2", initializer=_lower_priority
    )


_hashing = _hashing_pool(2)


def limit_hashing(at_once: int) -> None:
    """Let at most `at_once` password hashes or checks run at the same time in this process."""
    global _hashing
    if _hashing._max_workers != at_once:
        _hashing.shutdown(wait=False)
        _hashing = _hashing_pool(at_once)


def hash_password(password: str) -> str:
    """An argon2 hash of `password` (parameters and salt included)."""
    return _hashing.submit(lambda: _hasher.hash(password)).result()


def _password_matches(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError, UnicodeEncodeError):
            return False

    return _hashing.submit(verify).result()


def _check_new_password(password: str, *, email: str, field: str = "password") -> None:
    problems = policy.password_problems(password, email=email, field=field)
    if problems:
        raise InvalidInput(f"{field}: {problems[0].message}", problems=problems)


def _role_does_not_fit(role: Role, organisation: Organisation) -> InvalidInput:
    """The refusal of a user of `role` in an organisation of a kind the role does not take."""
    kinds = ", ".join(sorted(kind.value for kind in ROLE_KINDS[role]))
    return InvalidInput(
        f"role {role.value} needs an organisation of kind {kinds}",
        problems=[
            FieldProblem(
                "role",
                f"role {role.value} cannot belong to {organisation.kind.value} organisation "
                f'"{organisation.name}"',
                kind=ROLE_DOES_NOT_FIT,
                params={"role": role.value},
            )
        ],
    )


def _unknown_organisation(name: str) -> FieldProblem:
    return FieldProblem(
        "organisation",
        f'unknown organisation "{name}"',
        kind=UNKNOWN_ORGANISATION,
        params={"value": name},
    )


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
    """Create a user of an existing organisation whose kind fits the role; the e-mail is
    normalised and the password must pass the policy (kuznia.auth.policy)."""
    email = policy.normalise_email(email)
    problems = policy.email_problems(email)
    if problems:
        raise InvalidInput(f"email: {problems[0].message}", problems=problems)
    if repository.user_by_email(session=session, email=email) is not None or any(
        policy.normalise_email(known) == email for known in repository.all_emails(session=session)
    ):
        raise Conflict(f'a user with email "{email}" exists')
    _check_new_password(password, email=email)
    found = repository.organisation_by_name(session=session, name=organisation)
    if found is None:
        raise InvalidInput(
            f'unknown organisation "{organisation}"', problems=[_unknown_organisation(organisation)]
        )
    if found.kind not in ROLE_KINDS[role]:
        raise _role_does_not_fit(role, found)
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
    organisation: str | None = None,
) -> User:
    """Change a user's role, organisation, password or whether it may log in; deactivating,
    a new password or another organisation revokes its tokens."""
    user = repository.user_by_id(session=session, user_id=user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    ensure_version(current=user.version, given=version, what=f"user {user_id}")
    moved = organisation is not None and organisation != user.organisation.name
    target = user.organisation
    if moved:
        found = repository.organisation_by_name(session=session, name=str(organisation))
        if found is None:
            raise InvalidInput(
                f'unknown organisation "{organisation}"',
                problems=[_unknown_organisation(str(organisation))],
            )
        target = found
    new_role = role if role is not None else user.role
    if (moved or new_role is not user.role) and target.kind not in ROLE_KINDS[new_role]:
        raise _role_does_not_fit(new_role, target)
    user.role = new_role
    user.organisation = target
    if password is not None:
        _check_new_password(password, email=user.email)
        user.password_hash = hash_password(password)
    if active is not None:
        user.active = active
    if password is not None or active is False or moved:
        repository.revoke_tokens_of(session=session, user_id=user.id, when=datetime.now(UTC))
    session.flush()
    _forget_tokens(session, user_id=user.id)
    return user


def get_user(*, session: Session, scope: Scope, user_id: int) -> User:
    """One user, for a caller who may read users."""
    scope.require("users", Action.read)
    user = repository.user_by_id(session=session, user_id=user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def list_organisations(*, session: Session, scope: Scope) -> Sequence[Organisation]:
    """Every organisation in id order, for a caller who may read them."""
    scope.require("organisations", Action.read)
    found, _ = repository.list_organisations(
        session=session, page=PageParams(limit=MAX_ORGANISATIONS, offset=0)
    )
    return found


def list_users(*, session: Session, scope: Scope, page: PageParams) -> tuple[Sequence[User], int]:
    """A page of users in id order, and how many there are, for a caller who may read them."""
    scope.require("users", Action.read)
    return repository.list_users(session=session, page=page)


def login(
    *,
    session: Session,
    email: str,
    password: str,
    hours: float,
    address: str | None = None,
    rules: throttle.ThrottleRules | None = None,
) -> tuple[str, ApiToken]:
    """A new token for the user with these credentials; the same error for any mismatch, and
    TooManyAttempts while the account or the client `address` is locked by failed logins.

    Unlike other services, this one commits: the reads before the password check (which takes
    long on purpose), and a failure's count (the request's rollback must not undo it)."""
    email = policy.normalise_email(email)
    keys = throttle.keys_of(email=email, address=address)
    now = datetime.now(UTC)
    throttle.check(session=session, keys=keys, now=now)
    # a look-alike or unstorable e-mail is nobody's: compared with the dummy like any other
    user = repository.user_by_email(session=session, email=email) if email.isascii() else None
    stored = user.password_hash if user else _DUMMY_HASH
    # The slow check holds no database connection (nor SQLite's write lock, which a POST takes
    # when it begins): the reading transaction ends first, the writes below begin a new one.
    session.commit()
    if not _password_matches(stored, password):
        user = None
    if user is None or not user.active:
        throttle.record_failure(
            session=session, keys=keys, rules=rules or throttle.ThrottleRules(), now=now
        )
        session.commit()
        raise NotAuthenticated("wrong email or password, or the user is not active")
    throttle.forget_account(session=session, email=email)
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


def change_password(
    *, session: Session, user_id: int, current_password: str, new_password: str, token: str
) -> User:
    """Give a user a new password, after checking the current one; every token of the user
    but `token` (the one asking) is revoked."""
    user = repository.user_by_id(session=session, user_id=user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    if not _password_matches(user.password_hash, current_password):
        raise InvalidInput(
            "current_password: this is not the current password",
            problems=[
                FieldProblem(
                    "current_password", "this is not the current password", kind=NOT_CURRENT
                )
            ],
        )
    _check_new_password(new_password, email=user.email, field="new_password")
    if new_password == current_password:
        raise InvalidInput(
            "new_password: the new password is the current one",
            problems=[
                FieldProblem("new_password", "the new password is the current one", kind=NOT_NEW)
            ],
        )
    user.password_hash = hash_password(new_password)
    repository.revoke_tokens_of(
        session=session, user_id=user.id, when=datetime.now(UTC), but=hash_token(token)
    )
    session.flush()
    _forget_tokens(session, user_id=user.id)
    return user


def logout(*, session: Session, token: str) -> None:
    """Revoke a token (an unknown or already revoked one is left as it is)."""
    record = repository.token_by_hash(session=session, token_hash=hash_token(token))
    if record is not None and record.revoked_at is None:
        record.revoked_at = datetime.now(UTC)
        session.flush()
        _forget_tokens(session, token_hash=record.token_hash)


def _forget_tokens(
    session: Session, *, user_id: int | None = None, token_hash: str | None = None
) -> None:
    """Forget a user's (or one) remembered tokens in this process now, and again when the
    session commits (a request between the two may have remembered the token as it was)."""

    def forget(_session: Session | None = None) -> None:
        if user_id is not None:
            tokens.forget_user(user_id)
        if token_hash is not None:
            tokens.forget(token_hash)

    forget()
    event.listen(session, "after_commit", forget, once=True)


def remembered_scope(*, session: Session, token: str, cache_seconds: float) -> Scope | None:
    """The scope of a token this process authenticated less than `cache_seconds` ago (its
    writes through `session` then become its user's), or None: no database read."""
    remembered = tokens.get(hash_token(token), seconds=cache_seconds, now=datetime.now(UTC))
    if remembered is None:
        return None
    set_actor(session, Actor(name=remembered.email, user_id=remembered.scope.user_id))
    return remembered.scope


def authenticate(*, session: Session, token: str, cache_seconds: float = 0.0) -> Scope:
    """The scope of the user a live token belongs to; with `cache_seconds`, a token this
    process authenticated less than that ago is not read again (`kuznia.auth.cache`)."""
    token_hash = hash_token(token)
    now = datetime.now(UTC)
    remembered = tokens.get(token_hash, seconds=cache_seconds, now=now)
    if remembered is not None:
        set_actor(session, Actor(name=remembered.email, user_id=remembered.scope.user_id))
        return remembered.scope
    record = repository.token_by_hash(session=session, token_hash=token_hash)
    if record is None or record.revoked_at is not None or as_utc(record.expires_at) <= now:
        raise NotAuthenticated("the token is unknown, expired or revoked: log in again")
    user = record.user
    if not user.active:
        raise NotAuthenticated("the user is not active")
    set_actor(session, Actor(name=user.email, user_id=user.id))
    scope = user_scope(session=session, user=user)
    tokens.put(
        token_hash,
        scope=scope,
        email=user.email,
        expires_at=as_utc(record.expires_at),
        seconds=cache_seconds,
    )
    return scope


def user_scope(*, session: Session, user: User) -> Scope:
    """What `user` may reach: their role, organisation, producer, funds and depots."""
    organisation = user.organisation
    return Scope(
        user_id=user.id,
        role=user.role,
        organisation_id=organisation.id,
        producer_id=organisation.producer_id,
        fund_ids=frozenset(fund.id for fund in organisation.funds),
        depot_ids=frozenset(repository.depot_ids(session=session, organisation_id=organisation.id)),
    )
