"""Page sessions: what a signed-in browser's cookie stands for, kept beside the account's refresh tokens.

A session (see ``pages.sessions``) is valid while its account is active and has the credentials version it was
started with: a password change or reset and a deactivation raise it, as they end the refresh tokens. A deleted
account takes its sessions with it (the foreign key cascades).
"""

from datetime import datetime

from sqlalchemy import Delete, ForeignKey, Select, select
from sqlalchemy.orm import Mapped, mapped_column

from ...auth.models import User
from ...core.models import Base
from ...core.principals import Principal
from ...core.purging import purge_batch
from ..sessions import PageSessionColumns, PageSessionSettings, is_live, new_session


class PageSession(PageSessionColumns, Base):
    """A browser signed in to the pages."""

    __tablename__ = "page_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credentials_version: Mapped[int]
    """The account's credentials version at sign-in: the session ends when it changes."""


def new_page_session(user: User, settings: PageSessionSettings) -> tuple[str, PageSession]:
    """A new session id for the cookie, and its row."""
    token, columns = new_session(settings)
    return token, PageSession(user_id=user.id, credentials_version=user.credentials_version, **columns)


def valid_session(token: str, settings: PageSessionSettings, now: datetime) -> Select[PageSession, User]:
    """The session of a cookie's id and its account, while the session is valid."""
    return (
        select(PageSession, User)
        .join(User, User.id == PageSession.user_id)
        .where(
            *is_live(PageSession, token, settings, now),
            PageSession.credentials_version == User.credentials_version,
            User.is_active.is_(True),
        )
    )


def purge_ended_sessions(now: datetime) -> Delete:
    """Delete a batch of the sessions past their absolute lifetime, as each sign-in goes."""
    return purge_batch(PageSession.id, PageSession.expires_at <= now)


def principal(user: User) -> Principal:
    return Principal(subject=str(user.id), role=user.role)
