"""Where counters count: the database, through a session, or Redis (see ``counters``)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from .counters import CounterTable, count_statement, forget_statement, purge_statement, take_back_statement
from .errors import UnavailableError
from .models import utc_now

REDIS_UNAVAILABLE = "The request counter (Redis) is unavailable; try again later."
REDIS_TIMEOUT_SECONDS = 5


class Counter(Protocol):
    async def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        """Add one; the count in the current window and when it ends."""

    async def take_back(self, key: str) -> None: ...

    async def forget(self, key: str) -> None: ...

    async def purge(self) -> None:
        """Delete some of the counters whose window has ended."""


class DatabaseCounter:
    """Counters in a table of the database, each count committed at once."""

    def __init__(self, session: AsyncSession, table: CounterTable) -> None:
        self.session = session
        self.table = table

    async def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        dialect = self.session.get_bind().dialect.name
        statement = count_statement(self.table, dialect, key, utc_now(), window)
        count, window_ends = (await self.session.execute(statement)).one()
        await self.session.commit()
        return count, window_ends

    async def take_back(self, key: str) -> None:
        await self.session.execute(take_back_statement(self.table, key))
        await self.session.commit()

    async def forget(self, key: str) -> None:
        await self.session.execute(forget_statement(self.table, key))
        await self.session.commit()

    async def purge(self) -> None:
        await self.session.execute(purge_statement(self.table, utc_now()))
        await self.session.commit()


class RedisCounter:
    """Counters that expire with their window: the first count sets the expiry, later ones only count."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        try:
            async with self.redis.pipeline(transaction=True) as pipeline:
                pipeline.incr(key)
                pipeline.expire(key, window, nx=True)
                pipeline.pttl(key)
                count, _, remaining_ms = await pipeline.execute()
        except RedisError:
            raise UnavailableError(REDIS_UNAVAILABLE) from None
        return int(count), utc_now() + timedelta(milliseconds=max(int(remaining_ms), 0))

    async def take_back(self, key: str) -> None:
        try:
            if await self.redis.decr(key) <= 0:
                await self.redis.delete(key)
        except RedisError:
            raise UnavailableError(REDIS_UNAVAILABLE) from None

    async def forget(self, key: str) -> None:
        try:
            await self.redis.delete(key)
        except RedisError:
            raise UnavailableError(REDIS_UNAVAILABLE) from None

    async def purge(self) -> None:
        """Nothing to do: Redis deletes a counter when its window ends."""


@asynccontextmanager
async def open_counter(redis_url: str | None, session: AsyncSession, table: CounterTable) -> AsyncIterator[Counter]:
    """Redis, when ``redis_url`` names one (a connection for this use), else ``table`` through ``session``."""
    if redis_url is None:
        yield DatabaseCounter(session, table)
        return
    async with Redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS) as redis:
        yield RedisCounter(redis)
