"""Page sessions: what a signed-in browser's cookie stands for, kept beside the account's refresh tokens.

The cookie holds a random id, of which the table keeps only a hash. A session is valid while its account is active
and has the credentials version it was started with (a password change or reset and a deactivation raise it, as they
end the refresh tokens), while it has been used within the idle time and has not reached its absolute lifetime. A
deleted account takes its sessions with it (the foreign key cascades).
"""

from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import Delete, ForeignKey, Select, String, Update, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ...auth.models import User
from ...auth.tokens import new_refresh_token, refresh_token_hash
from ...core.models import PURGE_AFTER, Base, UTCDateTime, utc_now
from ...core.principals import Principal
from ...core.purging import purge_batch

TOUCH_AFTER = timedelta(minutes=1)
"""How stale a session's last use may be before a request writes it again: one write a minute at most, not one a
page."""


class PageSessionSettings(BaseModel):
    """Mixed into the application's settings, which read them from the same environment variables."""

    page_session_idle_minutes: int = Field(
        default=60, ge=1, description="How long a signed-in browser may stay unused before it has to sign in again."
    )
    page_session_hours: int = Field(
        default=12, ge=1, description="How long a sign-in to the pages lasts at most, however often it is used."
    )


class PageSession(Base):
    """A browser signed in to the pages."""

    __tablename__ = "page_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    credentials_version: Mapped[int]
    """The account's credentials version at sign-in: the session ends when it changes."""
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), info={PURGE_AFTER: True})


def new_page_session(user: User, settings: PageSessionSettings) -> tuple[str, PageSession]:
    """A new session id for the cookie, and its row."""
    token, now = new_refresh_token(), utc_now()
    row = PageSession(
        user_id=user.id,
        token_hash=refresh_token_hash(token),
        credentials_version=user.credentials_version,
        last_used_at=now,
        expires_at=now + timedelta(hours=settings.page_session_hours),
    )
    return token, row


def valid_session(token: str, settings: PageSessionSettings, now: datetime) -> Select[PageSession, User]:
    """The session of a cookie's id and its account, while the session is valid."""
    return (
        select(PageSession, User)
        .join(User, User.id == PageSession.user_id)
        .where(
            PageSession.token_hash == refresh_token_hash(token),
            PageSession.expires_at > now,
            PageSession.last_used_at > now - timedelta(minutes=settings.page_session_idle_minutes),
            PageSession.credentials_version == User.credentials_version,
            User.is_active.is_(True),
        )
    )


def touch(row: PageSession, now: datetime) -> Update | None:
    """Record the session's use, unless it was recorded less than ``TOUCH_AFTER`` ago."""
    if now - row.last_used_at < TOUCH_AFTER:
        return None
    return (
        update(PageSession)
        .where(PageSession.id == row.id)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


def end_session(token: str) -> Delete:
    return delete(PageSession).where(PageSession.token_hash == refresh_token_hash(token))


def purge_ended_sessions(now: datetime) -> Delete:
    """Delete a batch of the sessions past their absolute lifetime, as each sign-in goes."""
    return purge_batch(PageSession.id, PageSession.expires_at <= now)


def principal(user: User) -> Principal:
    return Principal(subject=str(user.id), role=user.role)
