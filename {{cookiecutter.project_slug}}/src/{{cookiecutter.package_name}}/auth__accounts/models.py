"""The accounts' tables: users, and the refresh tokens of their sessions."""

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.counters import CounterRows
from ..core.models import PURGE_AFTER, Base, UTCDateTime, utc_now
from ..core.principals import Role


class User(Base):
    """An account. ``credentials_version`` grows when the password changes or the account is deactivated, which ends
    every earlier token. An id is never given twice, even after its account is deleted (SQLite's ``AUTOINCREMENT``;
    PostgreSQL's sequence never goes back), so that nothing of a deleted account can pass to a new one."""

    __tablename__ = "users"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    """Stored in lower case, so that it is unique whatever case it is typed in."""
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="role", native_enum=False, length=16, values_callable=lambda roles: [r.value for r in roles])
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    credentials_version: Mapped[int] = mapped_column(default=1)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the owner followed a verification or password-reset link sent to the address; None until then."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, onupdate=utc_now)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class LinkToken(Base):
    """A single-use token mailed in a link, for a password reset or an e-mail verification; only its hash is kept."""

    __tablename__ = "link_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), info={PURGE_AFTER: True})
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RefreshToken(Base):
    """One refresh token of a session. Each use replaces it with the next of its family; a reuse ends the family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family: Mapped[str] = mapped_column(String(64), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), info={PURGE_AFTER: True})
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInAttempts(CounterRows, Base):
    """How many attempts a counter of ``throttle`` has seen in its current window."""

    __tablename__ = "sign_in_attempts"
