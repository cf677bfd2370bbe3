"""Where counters count: the database, through a session or a connection, or Redis (see ``counters``)."""

from datetime import datetime, timedelta
from typing import Protocol, cast

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from .counters import (
    CounterTable,
    count_statement,
    count_values,
    forget_statement,
    purge_statement,
    take_back_statement,
)
from .errors import UnavailableError
from .models import utc_now

REDIS_UNAVAILABLE = "The request counter (Redis) is unavailable; try again later."
REDIS_TIMEOUT_SECONDS = 5
EXTENSION = "counters"
"""Where an application keeps its client of the counters' Redis, or None."""


class Counter(Protocol):
    def count(self, key: str, window: timedelta, amount: int = 1) -> tuple[int, datetime]:
        """Add ``amount``; the count in the current window and when it ends."""

    def take_back(self, key: str) -> None: ...

    def forget(self, key: str) -> None: ...

    def purge(self) -> None:
        """Delete some of the counters whose window has ended."""


class DatabaseCounter:
    """Counters in a table of the database, each count committed at once, through a session or a connection."""

    def __init__(self, database: Session | Connection, table: CounterTable, dialect: str) -> None:
        self.database = database
        self.table = table
        self.dialect = dialect

    def count(self, key: str, window: timedelta, amount: int = 1) -> tuple[int, datetime]:
        values = count_values(key, utc_now(), window, amount)
        count, window_ends = self.database.execute(count_statement(self.table, self.dialect), values).one()
        self.database.commit()
        return count, window_ends

    def take_back(self, key: str) -> None:
        self.database.execute(take_back_statement(self.table, key))
        self.database.commit()

    def forget(self, key: str) -> None:
        self.database.execute(forget_statement(self.table, key))
        self.database.commit()

    def purge(self) -> None:
        self.database.execute(purge_statement(self.table, utc_now()))
        self.database.commit()


class RedisCounter:
    """Counters that expire with their window: the first count sets the expiry, later ones only count."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def count(self, key: str, window: timedelta, amount: int = 1) -> tuple[int, datetime]:
        try:
            with self.redis.pipeline(transaction=True) as pipeline:
                pipeline.incrby(key, amount)
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


def redis_client(redis_url: str | None) -> Redis | None:
    """The application's one client of the counters' Redis, with its pool of connections; None without a URL."""
    if redis_url is None:
        return None
    return Redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS)


def counter(redis: Redis | None, session: Session, table: CounterTable) -> Counter:
    """Redis, when the application has a client of it, else ``table`` through ``session``."""
    return DatabaseCounter(session, table, session.get_bind().dialect.name) if redis is None else RedisCounter(redis)
