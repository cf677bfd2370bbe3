"""Page sessions of members whom the provider signed in: who each is, as the ID token said at sign-in.

A session (see ``pages.sessions``) holds the subject, which owns the member's items, their role and a name to show;
it ends at sign-out, when idle too long, or at its absolute lifetime, whatever the provider does meanwhile.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Delete, Select, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from ...core.models import Base
from ...core.principals import SUBJECT_MAX_LENGTH, Principal, Role
from ..sessions import PageSessionColumns, PageSessionSettings, is_live, new_session

NAME_MAX_LENGTH = 200


@dataclass(frozen=True)
class Member:
    """Who the ID token names: the principal, and how the pages call them."""

    principal: Principal
    name: str


class PageSession(PageSessionColumns, Base):
    """A browser signed in to the pages by the provider."""

    __tablename__ = "page_sessions"

    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX_LENGTH), index=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))

    @property
    def principal(self) -> Principal:
        return Principal(subject=self.subject, role=Role(self.role))


def new_page_session(member: Member, settings: PageSessionSettings) -> tuple[str, PageSession]:
    """A new session id for the cookie, and its row."""
    token, columns = new_session(settings)
    subject, role = member.principal.subject, member.principal.role.value
    return token, PageSession(subject=subject, role=role, name=member.name[:NAME_MAX_LENGTH], **columns)


def valid_session(token: str, settings: PageSessionSettings, now: datetime) -> Select[PageSession]:
    """The session of a cookie's id, while it is valid."""
    return select(PageSession).where(*is_live(PageSession, token, settings, now))


def purge_ended_sessions(now: datetime) -> Delete:
    """Delete the sessions past their absolute lifetime, as each sign-in goes."""
    return delete(PageSession).where(PageSession.expires_at <= now).execution_options(synchronize_session=False)
