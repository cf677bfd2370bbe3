"""Where counters count: the database, through a session, or Redis (see ``counters``)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Protocol, cast

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from .counters import CounterTable, count_statement, forget_statement, purge_statement, take_back_statement
from .errors import UnavailableError
from .models import utc_now

REDIS_UNAVAILABLE = "The request counter (Redis) is unavailable; try again later."
REDIS_TIMEOUT_SECONDS = 5


class Counter(Protocol):
    def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        """Add one; the count in the current window and when it ends."""

    def take_back(self, key: str) -> None: ...

    def forget(self, key: str) -> None: ...

    def purge(self) -> None:
        """Delete some of the counters whose window has ended."""


class DatabaseCounter:
    """Counters in a table of the database, each count committed at once."""

    def __init__(self, session: Session, table: CounterTable) -> None:
        self.session = session
        self.table = table

    def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        dialect = self.session.get_bind().dialect.name
        statement = count_statement(self.table, dialect, key, utc_now(), window)
        count, window_ends = self.session.execute(statement).one()
        self.session.commit()
        return count, window_ends

    def take_back(self, key: str) -> None:
        self.session.execute(take_back_statement(self.table, key))
        self.session.commit()

    def forget(self, key: str) -> None:
        self.session.execute(forget_statement(self.table, key))
        self.session.commit()

    def purge(self) -> None:
        self.session.execute(purge_statement(self.table, utc_now()))
        self.session.commit()


class RedisCounter:
    """Counters that expire with their window: the first count sets the expiry, later ones only count."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        try:
            with self.redis.pipeline(transaction=True) as pipeline:
                pipeline.incr(key)
                pipeline.expire(key, window, nx=True)
                pipeline.pttl(key)
                count, _, remaining_ms = pipeline.execute()
        except RedisError:
            raise UnavailableError(REDIS_UNAVAILABLE) from None
        return int(count), utc_now() + timedelta(milliseconds=max(int(remaining_ms), 0))

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


@contextmanager
def open_counter(redis_url: str | None, session: Session, table: CounterTable) -> Iterator[Counter]:
    """Redis, when ``redis_url`` names one (a connection for this use), else ``table`` through ``session``."""
    if redis_url is None:
        yield DatabaseCounter(session, table)
        return
    with Redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS) as redis:
        yield RedisCounter(redis)
