"""`/api/v1/auth` (login, logout, who am I) and the admin's `/users` and `/organisations`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from kuznia.auth import repository, service
from kuznia.auth.dependencies import (
    ScopeDep,
    SessionDep,
    SettingsDep,
    TokenDep,
    current_scope,
)
from kuznia.auth.permissions import Action
from kuznia.auth.schemas import (
    LoginRequest,
    OrganisationCreate,
    OrganisationRead,
    PasswordChange,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from kuznia.auth.throttle import ThrottleRules
from kuznia.errors import NotFound
from kuznia.models import Organisation, User
from kuznia.pagination import Key, Page, PageParams, page_of, page_params

router = APIRouter(tags=["auth"])
PageDep = Annotated[PageParams, Depends(page_params)]


def _user(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        email=user.email,
        role=user.role,
        organisation=user.organisation.name,
        organisation_kind=user.organisation.kind,
        active=user.active,
        version=user.version,
    )


def _organisation(organisation: Organisation) -> OrganisationRead:
    return OrganisationRead(
        id=organisation.id,
        name=organisation.name,
        kind=organisation.kind,
        producer=organisation.producer.code if organisation.producer else None,
        funds=[fund.code for fund in organisation.funds],
        version=organisation.version,
    )


@router.post(
    "/auth/login",
    response_model=TokenRead,
    summary="Log in: a new token",
    responses={
        429: {
            "description": "Too many failed logins for the account or the client address: "
            "wait Retry-After seconds.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
        }
    },
)
def login(
    request: Request, session: SessionDep, settings: SettingsDep, body: LoginRequest
) -> TokenRead:
    token, record = service.login(
        session=session,
        email=body.email,
        password=body.password,
        hours=settings.token_hours,
        address=request.client.host if request.client else None,
        rules=ThrottleRules.from_settings(settings),
    )
    return TokenRead(token=token, expires_at=record.expires_at)


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log out: revoke this token",
    dependencies=[Depends(current_scope)],  # a valid token of an active user
)
def logout(session: SessionDep, token: TokenDep) -> Response:
    service.logout(session=session, token=token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change one's own password: every other token of the user is revoked",
)
def change_password(
    session: SessionDep, scope: ScopeDep, token: TokenDep, body: PasswordChange
) -> Response:
    service.change_password(
        session=session,
        user_id=scope.user_id,
        current_password=body.current_password,
        new_password=body.new_password,
        token=token,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/me", response_model=UserRead, summary="The user this token belongs to")
def me(session: SessionDep, scope: ScopeDep) -> UserRead:
    user = repository.user_by_id(session=session, user_id=scope.user_id)
    if user is None:  # the scope was just made from this user's token
        raise NotFound(f"user {scope.user_id} not found")
    return _user(user)


@router.get("/users", response_model=Page[UserRead], tags=["users"], summary="List users")
def list_users(session: SessionDep, scope: ScopeDep, page: PageDep) -> Page[UserRead]:
    scope.require("users", Action.read)
    users, total = repository.list_users(session=session, page=page)
    return page_of([_user(u) for u in users], total, page)


@router.post(
    "/users",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    tags=["users"],
    summary="Add a user",
)
def add_user(session: SessionDep, scope: ScopeDep, body: UserCreate) -> UserRead:
    scope.require("users", Action.write)
    user = service.add_user(
        session=session,
        email=body.email,
        password=body.password,
        role=body.role,
        organisation=body.organisation,
    )
    return _user(user)


@router.patch(
    "/users/{user_id}",
    response_model=UserRead,
    tags=["users"],
    summary="Change a user (deactivating revokes its tokens)",
)
def update_user(session: SessionDep, scope: ScopeDep, user_id: Key, body: UserUpdate) -> UserRead:
    scope.require("users", Action.write)
    user = service.update_user(
        session=session,
        user_id=user_id,
        version=body.version,
        active=body.active,
        role=body.role,
        password=body.password,
        organisation=body.organisation,
    )
    return _user(user)


@router.get(
    "/organisations",
    response_model=Page[OrganisationRead],
    tags=["users"],
    summary="List organisations",
)
def list_organisations(
    session: SessionDep, scope: ScopeDep, page: PageDep
) -> Page[OrganisationRead]:
    scope.require("organisations", Action.read)
    organisations, total = repository.list_organisations(session=session, page=page)
    return page_of([_organisation(o) for o in organisations], total, page)


@router.post(
    "/organisations",
    response_model=OrganisationRead,
    status_code=status.HTTP_201_CREATED,
    tags=["users"],
    summary="Add an organisation",
)
def add_organisation(
    session: SessionDep, scope: ScopeDep, body: OrganisationCreate
) -> OrganisationRead:
    scope.require("organisations", Action.write)
    organisation = service.add_organisation(
        session=session, name=body.name, kind=body.kind, producer=body.producer, funds=body.funds
    )
    return _organisation(organisation)


@router.get("/users/{user_id}", response_model=UserRead, tags=["users"], summary="Read a user")
def get_user(session: SessionDep, scope: ScopeDep, user_id: Key) -> UserRead:
    scope.require("users", Action.read)
    user = repository.user_by_id(session=session, user_id=user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return _user(user)
