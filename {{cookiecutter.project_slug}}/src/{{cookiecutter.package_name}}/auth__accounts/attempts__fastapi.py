"""Where sign-in attempts are counted, on FastAPI: the async session's database, or Redis."""

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated, Protocol

from fastapi import Depends
from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..core.database import SessionDep
from ..core.errors import UnavailableError
from ..core.models import utc_now
from .guard import AuthorityDep
from .throttle import Attempt, count_attempt, forget_attempts, refusal, take_back_attempt

REDIS_UNAVAILABLE = "The sign-in attempt counter (Redis) is unavailable; try again later."


class AttemptCounter(Protocol):
    async def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        """Add one attempt; the attempts in the current window and when it ends."""

    async def take_back(self, key: str) -> None: ...

    async def forget(self, key: str) -> None: ...


class DatabaseCounter:
    def __init__(self, session: SessionDep) -> None:
        self.session = session

    async def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        dialect = self.session.get_bind().dialect.name
        attempts, window_ends = (await self.session.execute(count_attempt(dialect, key, utc_now(), window))).one()
        await self.session.commit()
        return attempts, window_ends

    async def take_back(self, key: str) -> None:
        await self.session.execute(take_back_attempt(key))
        await self.session.commit()

    async def forget(self, key: str) -> None:
        await self.session.execute(forget_attempts(key))
        await self.session.commit()


class RedisCounter:
    """Counters that expire with their window: the first attempt sets the expiry, later ones only count."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        try:
            async with self.redis.pipeline(transaction=True) as pipeline:
                pipeline.incr(key)
                pipeline.expire(key, window, nx=True)
                pipeline.pttl(key)
                attempts, _, remaining_ms = await pipeline.execute()
        except RedisError:
            raise UnavailableError(REDIS_UNAVAILABLE) from None
        return int(attempts), utc_now() + timedelta(milliseconds=max(int(remaining_ms), 0))

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


async def attempt_counter(session: SessionDep, authority: AuthorityDep) -> AsyncIterator[AttemptCounter]:
    """Redis, when the settings name one (a connection for this request), else the database."""
    if authority.settings.redis_url is None:
        yield DatabaseCounter(session)
        return
    async with Redis.from_url(authority.settings.redis_url, socket_timeout=5) as redis:
        yield RedisCounter(redis)


AttemptCounterDep = Annotated[AttemptCounter, Depends(attempt_counter)]


async def admit(counter: AttemptCounter, attempt: Attempt) -> None:
    """Count the attempt; refuse it with 429 when a counter is over its limit."""
    counts = {key: await counter.count(key, attempt.window) for key in attempt.limits}
    if error := refusal(counts, attempt, utc_now()):
        raise error


async def settle(counter: AttemptCounter, attempt: Attempt) -> None:
    """After a successful sign-in: the account starts afresh, and the address gets its attempt back."""
    await counter.forget(attempt.account)
    await counter.take_back(attempt.address)
