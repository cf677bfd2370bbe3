"""Where sign-in attempts are counted, on Flask: the request's database session, or Redis."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Protocol, cast

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from ..core import database
from ..core.errors import UnavailableError
from ..core.models import utc_now
from .guard import current_authority
from .throttle import Attempt, count_attempt, forget_attempts, refusal, take_back_attempt

REDIS_UNAVAILABLE = "The sign-in attempt counter (Redis) is unavailable; try again later."


class AttemptCounter(Protocol):
    def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        """Add one attempt; the attempts in the current window and when it ends."""

    def take_back(self, key: str) -> None: ...

    def forget(self, key: str) -> None: ...


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


@contextmanager
def attempt_counter() -> Iterator[AttemptCounter]:
    """Redis, when the settings name one (a connection for this request), else the database."""
    url = current_authority().settings.redis_url
    if url is None:
        yield DatabaseCounter(database.session())
        return
    with Redis.from_url(url, socket_timeout=5) as redis:
        yield RedisCounter(redis)


def admit(counter: AttemptCounter, attempt: Attempt) -> None:
    """Count the attempt; refuse it with 429 when a counter is over its limit."""
    counts = {key: counter.count(key, attempt.window) for key in attempt.limits}
    if error := refusal(counts, attempt, utc_now()):
        raise error


def settle(counter: AttemptCounter, attempt: Attempt) -> None:
    """After a successful sign-in: the account starts afresh, and the address gets its attempt back."""
    counter.forget(attempt.account)
    counter.take_back(attempt.address)
