"""Password guessing, bounded: sign-in attempts are counted per account and per client address, in windows.

Every attempt is counted before its password is checked, so that requests racing in parallel cannot slip past the
limit; a successful sign-in takes its attempt back and clears the account's count. The counts live where every
worker process and every replica sees them: in the database, or in Redis when a Redis URL is configured.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus

from sqlalchemy import Delete, Update, case, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from ..core.errors import ServiceError
from .models import SignInAttempts
from .settings import AuthSettings


class TooManyAttemptsError(ServiceError):
    """Too many sign-in attempts for this account or from this address: wait for the window to end."""

    status = HTTPStatus.TOO_MANY_REQUESTS

    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = max(1, math.ceil(retry_after.total_seconds()))
        super().__init__(f"Too many sign-in attempts; try again in {self.retry_after} seconds.")

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True, slots=True)
class Attempt:
    """One sign-in attempt: the counters it adds to, and the most attempts each allows in a window."""

    account: str
    address: str
    limits: dict[str, int]
    window: timedelta

    @classmethod
    def of(cls, settings: AuthSettings, email: str, address: str) -> "Attempt":
        account, source = f"sign-in:account:{email.lower()}", f"sign-in:address:{address}"
        limits = {account: settings.sign_in_attempts_per_account, source: settings.sign_in_attempts_per_address}
        return cls(account, source, limits, timedelta(seconds=settings.sign_in_window_seconds))


def refusal(counts: dict[str, tuple[int, datetime]], attempt: Attempt, now: datetime) -> TooManyAttemptsError | None:
    """The error to answer when any counter is over its limit, with the longest wait; None when none is."""
    waits = [ends - now for key, (attempts, ends) in counts.items() if attempts > attempt.limits[key]]
    return TooManyAttemptsError(max(waits)) if waits else None


def count_attempt(dialect: str, key: str, now: datetime, window: timedelta) -> ReturningInsert[int, datetime]:
    """Add one attempt to a counter, starting a new window when the last one has ended; returns the count and the
    window's end. One statement, so that two processes counting at once both count."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SignInAttempts).values(key=key, attempts=1, window_ends=now + window)
    ended = SignInAttempts.window_ends <= now
    return statement.on_conflict_do_update(
        index_elements=[SignInAttempts.key],
        set_={
            "attempts": case((ended, 1), else_=SignInAttempts.attempts + 1),
            "window_ends": case((ended, statement.excluded.window_ends), else_=SignInAttempts.window_ends),
        },
    ).returning(SignInAttempts.attempts, SignInAttempts.window_ends)


def take_back_attempt(key: str) -> Update:
    return (
        update(SignInAttempts)
        .where(SignInAttempts.key == key, SignInAttempts.attempts > 0)
        .values(attempts=SignInAttempts.attempts - 1)
        .execution_options(synchronize_session=False)
    )


def forget_attempts(key: str) -> Delete:
    return delete(SignInAttempts).where(SignInAttempts.key == key).execution_options(synchronize_session=False)
