"""What the auth endpoints read and write."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from kuznia.models import OrganisationKind, Role
from kuznia.text import Code, Name


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class LoginRequest(Schema):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class TokenRead(Schema):
    """A new login token: shown once, only its hash is stored."""

    token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth 2 token type, not a secret)
    expires_at: datetime


class OrganisationCreate(Schema):
    name: Annotated[Name, Field(min_length=1)]
    kind: OrganisationKind
    producer: Code | None = Field(
        default=None, description="A producer organisation's producer code."
    )
    funds: list[Code] = Field(
        default_factory=list, max_length=1000, description="A partner's fund codes."
    )


class OrganisationRead(Schema):
    id: int
    name: str
    kind: OrganisationKind
    producer: str | None
    funds: list[str]
    version: int


class PasswordChange(Schema):
    """The caller's current password and the new one (kuznia.auth.policy's rules)."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(
        max_length=1024, description="At least 12 characters, not a common password."
    )


class UserCreate(Schema):
    email: str = Field(
        min_length=3,
        max_length=320,
        pattern=r"^[^@\s]+@[^@\s]+$",
        description="Normalised (NFKC, case-folded); must be ASCII after that.",
    )
    password: str = Field(
        max_length=1024, description="At least 12 characters, not a common password."
    )
    role: Role
    organisation: Annotated[Name, Field(min_length=1, description="The organisation's name.")]


class UserUpdate(Schema):
    version: int
    active: bool | None = None
    role: Role | None = None
    password: str | None = Field(
        default=None, max_length=1024, description="At least 12 characters, not a common one."
    )
    organisation: Annotated[
        Name | None, Field(min_length=1, description="Move the user to this organisation.")
    ] = None


class UserRead(Schema):
    id: int
    email: str
    role: Role
    organisation: str
    organisation_kind: OrganisationKind
    active: bool
    version: int
