"""The statements and rules of the accounts, executed by the framework's own session type."""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Delete, Select, Update, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import ReturningUpdate

from ..core.fields import PageQuery
from ..core.models import OWNER, Base, unique_constraint_name, utc_now, violated_constraint
from ..core.principals import Role
from ..core.purging import purge_batch
from .models import LinkToken, RefreshToken, User
from .tokens import new_refresh_token, refresh_token_hash

PASSWORD_RESET = "password-reset"
EMAIL_VERIFICATION = "email-verification"

UNIQUE_EMAIL = unique_constraint_name(User, "email")


def user_by_email(email: str) -> Select[User]:
    return select(User).where(User.email == email.lower())


def users_page(query: PageQuery) -> Select[User]:
    """The accounts on the requested page, oldest first."""
    return select(User).order_by(User.id).limit(query.limit).offset(query.offset)


def users_count() -> Select[int]:
    return select(func.count()).select_from(User)


def active_role(user_id: int, credentials_version: int) -> Select[Role]:
    """The role of an account while it is active and its credentials are of this version: what each request checks,
    read as one column of the table rather than as a whole account, and without the ORM's compilation and loading."""
    users = User.__table__.c
    return select(users.role).where(
        users.id == user_id, users.is_active.is_(True), users.credentials_version == credentials_version
    )


def new_user(email: str, password_hash: str, role: Role = Role.MEMBER, *, verified: bool = False) -> User:
    now = utc_now()
    return User(
        email=email.lower(),
        password_hash=password_hash,
        role=role,
        is_active=True,
        credentials_version=1,
        email_verified_at=now if verified else None,
        created_at=now,
        updated_at=now,
    )


def is_email_taken(error: IntegrityError) -> bool:
    return violated_constraint(error) == UNIQUE_EMAIL


def new_session_token(user_id: int, days: int, family: str | None = None) -> tuple[str, RefreshToken]:
    """A refresh token, and its row: the first of a new family, or the next of ``family``."""
    token = new_refresh_token()
    row = RefreshToken(
        user_id=user_id,
        family=family or secrets.token_urlsafe(24),
        token_hash=refresh_token_hash(token),
        expires_at=utc_now() + timedelta(days=days),
    )
    return token, row


def refresh_token_by_value(token: str) -> Select[RefreshToken]:
    return select(RefreshToken).where(RefreshToken.token_hash == refresh_token_hash(token))


def is_spent(row: RefreshToken, now: datetime) -> bool:
    """Whether the token can no longer be exchanged, reuse aside: revoked or expired."""
    return row.revoked_at is not None or row.expires_at <= now


def mark_used(row: RefreshToken | LinkToken, now: datetime) -> ReturningUpdate[int]:
    """Mark a single-use token used, only if it was not, returning its id: of two requests racing with one token, one
    gets no row back."""
    table = type(row)
    return (
        update(table)
        .where(table.id == row.id, table.used_at.is_(None))
        .values(used_at=now)
        .returning(table.id)
        .execution_options(synchronize_session=False)
    )


def revoke_family(family: str, now: datetime) -> Update:
    return _revoke(RefreshToken.family == family, now)


def revoke_every_session(user_id: int, now: datetime) -> Update:
    return _revoke(RefreshToken.user_id == user_id, now)


def _revoke(tokens: ColumnElement[bool], now: datetime) -> Update:
    return (
        update(RefreshToken)
        .where(tokens, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def delete_owned_rows(subject: str) -> list[Delete]:
    """The statements that delete every row a principal owns, in every table whose owner column is marked ``OWNER``."""
    return [
        delete(table).where(column == subject)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.info.get(OWNER)
    ]


def new_link_token(user_id: int, purpose: str, lifetime: timedelta) -> tuple[str, LinkToken]:
    """A token to mail in a link, and its row, which keeps only its hash."""
    token = new_refresh_token()
    row = LinkToken(
        user_id=user_id, purpose=purpose, token_hash=refresh_token_hash(token), expires_at=utc_now() + lifetime
    )
    return token, row


def usable_link_token(token: str, purpose: str, now: datetime) -> Select[LinkToken]:
    return select(LinkToken).where(
        LinkToken.token_hash == refresh_token_hash(token),
        LinkToken.purpose == purpose,
        LinkToken.used_at.is_(None),
        LinkToken.expires_at > now,
    )


def retire_link_tokens(user_id: int, purpose: str, now: datetime) -> Update:
    """Mark the account's unused tokens of a purpose used: only the newest link works."""
    return (
        update(LinkToken)
        .where(LinkToken.user_id == user_id, LinkToken.purpose == purpose, LinkToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def purge_expired_tokens(now: datetime) -> list[Delete]:
    """Delete a batch of each of the refresh and link tokens that have expired."""
    return [purge_batch(model.id, model.expires_at <= now) for model in (RefreshToken, LinkToken)]
