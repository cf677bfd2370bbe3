"""The accounts' part of the API contract: registration, users, and the OAuth 2.0 token and revocation forms."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    model_validator,
)

from ..core.fields import NFC, NO_NUL, omittable, reject_null
from ..core.principals import Role
from .errors import OAuthError
from .passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problem

EMAIL_MAX_LENGTH = 254
"""The longest address that SMTP can carry (RFC 5321's path limit, less its angle brackets)."""
REFRESH_TOKEN_MAX_LENGTH = 128
"""Longer than any refresh token this service issues (43 characters)."""
SCOPE_MAX_LENGTH = 1000

Email = Annotated[EmailStr, Field(max_length=EMAIL_MAX_LENGTH, examples=["ada@example.com"]), AfterValidator(str.lower)]
Password = Annotated[
    str,
    Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        pattern=NO_NUL,
        examples=["correct horse battery staple"],
        # The rule of password_problem that needs no other field, stated so that the schema allows no such password.
        json_schema_extra={"not": {"pattern": r"^(.)\1*$"}},
    ),
    NFC,
]


class Registration(BaseModel):
    """A new account: an e-mail address and a password of at least 15 characters."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    password: Password

    @model_validator(mode="after")
    def password_follows_the_rules(self) -> Self:
        problem = password_problem(self.password, self.email)
        if problem:
            raise ValueError(problem)
        return self


class PasswordChange(BaseModel):
    """The current password, and the new one."""

    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH)]
    new_password: Password


class AccountDeletion(BaseModel):
    """The account's current password, which deleting it asks for."""

    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH)]


class UserRead(BaseModel):
    """An account as the API returns it; never its password hash."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    role: Role
    is_active: bool
    email_verified: bool
    created_at: datetime


LinkTokenField = Annotated[str, Field(min_length=1, max_length=REFRESH_TOKEN_MAX_LENGTH)]


class MailRequest(BaseModel):
    """The address to mail a link to: a password reset, or a new verification link."""

    model_config = ConfigDict(extra="forbid")

    email: Email


class PasswordReset(BaseModel):
    """The token of a password-reset link, and the new password."""

    model_config = ConfigDict(extra="forbid")

    token: LinkTokenField
    new_password: Password


class EmailVerification(BaseModel):
    """The token of a verification link."""

    model_config = ConfigDict(extra="forbid")

    token: LinkTokenField


class Accepted(BaseModel):
    """The request is taken; what follows comes by mail. The same whether or not the address has an account."""

    detail: str


MAIL_ON_ITS_WAY = Accepted(detail="If an account can use this address, a message with a link is on its way to it.")
REGISTRATION_ACCEPTED = Accepted(detail="Check your mailbox: a message on its way to the address tells how to go on.")


class UserPage(BaseModel):
    """One page of accounts, oldest first, and how many there are."""

    users: list[UserRead]
    total: int
    limit: int
    offset: int


class UserUpdate(BaseModel):
    """What an admin may change of an account: its role, and whether it may sign in."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = omittable()
    is_active: StrictBool | None = omittable()

    _not_null = reject_null("role", "is_active")


class TokenRequest(BaseModel):
    """The OAuth 2.0 token request (RFC 6749, sections 4.3 and 6), form-encoded. Every field is optional here, so
    that a missing one is answered as RFC 6749 says (``invalid_request``), not as a validation problem."""

    grant_type: Annotated[str | None, Field(examples=["password"])] = None
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    scope: str | None = None

    def grant(self) -> "PasswordGrant | RefreshGrant":
        """The grant asked for, with its parameters; else the OAuth error to answer (RFC 6749, section 5.2)."""
        for name, value, limit in (
            ("username", self.username, EMAIL_MAX_LENGTH),
            ("password", self.password, MAX_PASSWORD_LENGTH),
            ("refresh_token", self.refresh_token, REFRESH_TOKEN_MAX_LENGTH),
            ("scope", self.scope, SCOPE_MAX_LENGTH),
        ):
            if value is not None and len(value) > limit:
                raise OAuthError("invalid_request", f"The {name} parameter is longer than {limit} characters.")
        if self.grant_type == "password" and self.username is not None and self.password is not None:
            return PasswordGrant(self.username, self.password)
        if self.grant_type == "refresh_token" and self.refresh_token is not None:
            return RefreshGrant(self.refresh_token)
        if self.grant_type in {"password", "refresh_token"}:
            raise OAuthError("invalid_request", f"The {self.grant_type} grant lacks a required parameter.")
        if self.grant_type is None:
            raise OAuthError("invalid_request", "The grant_type parameter is required.")
        raise OAuthError("unsupported_grant_type", "Only the password and refresh_token grants are supported.")


@dataclass(frozen=True, slots=True)
class PasswordGrant:
    username: str
    password: str


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    refresh_token: str


class TokenResponse(BaseModel):
    """A bearer access token and the refresh token that replaces it when it expires (RFC 6749, section 5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str


NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
"""The headers of every answer of the token endpoint, which must not be cached (RFC 6749, section 5.1)."""


class OAuthErrorBody(BaseModel):
    """An error of the token endpoint (RFC 6749, section 5.2)."""

    error: str
    error_description: str

    @classmethod
    def of(cls, error: OAuthError) -> Self:
        return cls(error=error.error, error_description=error.description)


class RevocationRequest(BaseModel):
    """The token to revoke (RFC 7009), form-encoded; revoking a refresh token ends its session."""

    token: Annotated[str, Field(min_length=1)]
    token_type_hint: str | None = None
