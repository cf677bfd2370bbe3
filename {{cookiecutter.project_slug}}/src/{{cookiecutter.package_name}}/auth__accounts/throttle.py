"""Guessing and flooding, bounded: password checks and registrations are counted in windows, per client address
and per account.

A password check (a sign-in, or the current password before a change or a deletion) adds to three counters, checked
in this order: its client address; the account from that address, whose small limit stops a guess without locking
the owner out of their other devices; and the account from every address, a looser ceiling that still ends a guess
spread over many addresses. A counter over its limit refuses the attempt at once, and the ones after it are not
counted: a refused request adds no counter of its own. Every attempt is counted before its password is checked, so
that requests racing in parallel cannot slip past a limit; a success gives its attempts back and forgets the
account's count from that address. The counts live where every worker process and every replica sees them, in the
``sign_in_attempts`` table or in Redis (``core.counters``, the machinery that the rate limits count with too).
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus

from ..core.errors import ServiceError
from .settings import AuthSettings


class TooManyAttemptsError(ServiceError):
    """Too many attempts for this account or from this address: wait for the window to end."""

    status = HTTPStatus.TOO_MANY_REQUESTS

    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = max(1, math.ceil(retry_after.total_seconds()))
        super().__init__(f"Too many attempts; try again in {self.retry_after} seconds.")

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True, slots=True)
class Attempt:
    """The counters an attempt adds to, in the order they are checked, each with the most attempts it allows in a
    window; and, on success, the counters forgotten and those that get their attempt back."""

    limits: dict[str, int]
    window: timedelta
    forgotten_on_success: tuple[str, ...] = ()
    given_back_on_success: tuple[str, ...] = ()

    @classmethod
    def password_check(cls, settings: AuthSettings, email: str, address: str) -> "Attempt":
        """A password checked for the account of ``email``, asked for from ``address``."""
        account = email.lower()
        # Different prefixes, and a space (which no address holds) between the pair's parts: no key is another's.
        by_address, by_pair, by_account = (
            f"password-address:{address}",
            f"password-pair:{address} {account}",
            (f"password-account:{account}"),
        )
        return cls(
            limits={
                by_address: settings.sign_in_attempts_per_address,
                by_pair: settings.sign_in_attempts_per_account_and_address,
                by_account: settings.sign_in_attempts_per_account,
            },
            window=timedelta(seconds=settings.sign_in_window_seconds),
            forgotten_on_success=(by_pair,),
            given_back_on_success=(by_address, by_account),
        )

    @classmethod
    def mail_request(cls, settings: AuthSettings, email: str, address: str) -> "Attempt":
        """A link asked to be mailed to ``email`` (a password reset, a new verification link) from ``address``."""
        return cls(
            limits={
                f"mail-address:{address}": settings.mail_requests_per_address,
                f"mail-account:{email.lower()}": settings.mail_requests_per_account,
            },
            window=timedelta(seconds=settings.sign_in_window_seconds),
        )

    @classmethod
    def registration(cls, settings: AuthSettings, address: str) -> "Attempt":
        """A new account asked for from ``address``: each counts, whether it succeeds or not."""
        return cls(
            limits={f"registration-address:{address}": settings.registrations_per_address},
            window=timedelta(seconds=settings.sign_in_window_seconds),
        )


def refusal(attempts: int, window_ends: datetime, limit: int, now: datetime) -> TooManyAttemptsError | None:
    """The error to answer when a counter is over its limit, None when it is not."""
    return TooManyAttemptsError(window_ends - now) if attempts > limit else None
