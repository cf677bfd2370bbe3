"""What every page session is, whoever signed it in: a row that the browser's cookie names by a random id, of which
the table keeps only a hash, valid while it has been used within the idle time and has not reached its absolute
lifetime. Each identity's table adds who the session is for."""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Delete, String, Update, delete, update
from sqlalchemy.orm import Mapped, mapped_column

from ..core.models import PURGE_AFTER, UTCDateTime, utc_now

SIGN_IN_URL = "/sign-in"
SIGN_OUT_URL = "/sign-out"
ACCOUNT_URL = "/account"
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


class PageSessionColumns:
    """The columns of every page session's table."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), info={PURGE_AFTER: True})


def session_token_hash(token: str) -> str:
    """What is stored of a session's id. A plain hash suffices: the id is random, not a password."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_session(settings: PageSessionSettings) -> tuple[str, dict[str, Any]]:
    """A new session id for the cookie (256 random bits), and the columns of its row."""
    token, now = secrets.token_urlsafe(32), utc_now()
    times = {"last_used_at": now, "expires_at": now + timedelta(hours=settings.page_session_hours)}
    return token, {"token_hash": session_token_hash(token), **times}


def is_live(table: type[PageSessionColumns], token: str, settings: PageSessionSettings, now: datetime) -> list[Any]:
    """The conditions on the session of a cookie's id while it is valid: neither idle too long nor too old."""
    conditions: list[ColumnElement[bool]] = [
        table.token_hash == session_token_hash(token),
        table.expires_at > now,
        table.last_used_at > now - timedelta(minutes=settings.page_session_idle_minutes),
    ]
    return conditions


def touch(row: PageSessionColumns, now: datetime) -> Update | None:
    """Record the session's use, unless it was recorded less than ``TOUCH_AFTER`` ago."""
    if now - row.last_used_at < TOUCH_AFTER:
        return None
    return (
        update(type(row))
        .where(type(row).id == row.id)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


def end_session(table: type[PageSessionColumns], token: str) -> Delete:
    return delete(table).where(table.token_hash == session_token_hash(token))


def sign_in_url(next_url: str | None = None) -> str:
    """The sign-in page, which leads back to ``next_url`` once signed in."""
    return f"{SIGN_IN_URL}?{urlencode({'next': next_url})}" if next_url else SIGN_IN_URL


def local_url(url: str | None, default: str) -> str:
    """A page of this site to go to after signing in: a path, never another site's address (``//host`` or
    ``https://...``), which would make the sign-in page an open redirect."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")) or urlsplit(url).netloc:
        return default
    return url
