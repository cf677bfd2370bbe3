"""Where attempts are counted: the request's database session, or Redis."""

from datetime import datetime, timedelta
from typing import Protocol, cast

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from ..core.errors import UnavailableError
from ..core.models import utc_now
from .throttle import Attempt, count_attempt, forget_attempts, purge_ended_windows, refusal, take_back_attempt

REDIS_UNAVAILABLE = "The attempt counter (Redis) is unavailable; try again later."


class AttemptCounter(Protocol):
    def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        """Add one attempt; the attempts in the current window and when it ends."""

    def take_back(self, key: str) -> None: ...

    def forget(self, key: str) -> None: ...

    def purge(self) -> None:
        """Delete some of the counters whose window has ended."""


class DatabaseCounter:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        dialect = self.session.get_bind().dialect.name
        attempts, window_ends = self.session.execute(count_attempt(dialect, key, utc_now(), window)).one()
        self.session.commit()
        return attempts, window_ends

    def take_back(self, key: str) -> None:
        self.session.execute(take_back_attempt(key))
        self.session.commit()

    def forget(self, key: str) -> None:
        self.session.execute(forget_attempts(key))
        self.session.commit()

    def purge(self) -> None:
        self.session.execute(purge_ended_windows(utc_now()))
        self.session.commit()


class RedisCounter:
    """Counters that expire with their window: the first attempt sets the expiry, later ones only count."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        try:
            with self.redis.pipeline(transaction=True) as pipeline:
                pipeline.incr(key)
                pipeline.expire(key, window, nx=True)
                pipeline.pttl(key)
                attempts, _, remaining_ms = pipeline.execute()
        except RedisError:
            raise UnavailableError(REDIS_UNAVAILABLE) from None
        return int(attempts), utc_now() + timedelta(milliseconds=max(int(remaining_ms), 0))

    def take_back(self, key: str) -> None:
        try:
            # redis-py types a synchronous client's answers as possibly awaitable.
            if cast(int, self.redis.decr(key)) <= 0:
                self.redis.delete(key)
        except RedisError:
            raise UnavailableError(REDIS_UNAVAILABLE) from None

    def forget(self, key: str) -> None:
        try:
            self.redis.delete(key)
        except RedisError:
            raise UnavailableError(REDIS_UNAVAILABLE) from None

    def purge(self) -> None:
        """Nothing to do: Redis deletes a counter when its window ends."""


def admit(counter: AttemptCounter, attempt: Attempt) -> None:
    """Count the attempt, counter by counter; refuse it with 429 at the first that is over its limit."""
    counter.purge()
    for key, limit in attempt.limits.items():
        attempts, window_ends = counter.count(key, attempt.window)
        if error := refusal(attempts, window_ends, limit, utc_now()):
            raise error


def settle(counter: AttemptCounter, attempt: Attempt) -> None:
    """After a success: forget what the attempt asks to be forgotten, and give its other attempts back."""
    for key in attempt.forgotten_on_success:
        counter.forget(key)
    for key in attempt.given_back_on_success:
        counter.take_back(key)
