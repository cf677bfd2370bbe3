"""Where attempts are counted: the request's database session, or Redis."""

from datetime import datetime, timedelta
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.errors import UnavailableError
from ..core.models import utc_now
from .throttle import Attempt, count_attempt, forget_attempts, purge_ended_windows, refusal, take_back_attempt

REDIS_UNAVAILABLE = "The attempt counter (Redis) is unavailable; try again later."


class AttemptCounter(Protocol):
    async def count(self, key: str, window: timedelta) -> tuple[int, datetime]:
        """Add one attempt; the attempts in the current window and when it ends."""

    async def take_back(self, key: str) -> None: ...

    async def forget(self, key: str) -> None: ...

    async def purge(self) -> None:
        """Delete some of the counters whose window has ended."""


class DatabaseCounter:
    def __init__(self, session: AsyncSession) -> None:
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

    async def purge(self) -> None:
        await self.session.execute(purge_ended_windows(utc_now()))
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

    async def purge(self) -> None:
        """Nothing to do: Redis deletes a counter when its window ends."""


async def admit(counter: AttemptCounter, attempt: Attempt) -> None:
    """Count the attempt, counter by counter; refuse it with 429 at the first that is over its limit."""
    await counter.purge()
    for key, limit in attempt.limits.items():
        attempts, window_ends = await counter.count(key, attempt.window)
        if error := refusal(attempts, window_ends, limit, utc_now()):
            raise error


async def settle(counter: AttemptCounter, attempt: Attempt) -> None:
    """After a success: forget what the attempt asks to be forgotten, and give its other attempts back."""
    for key in attempt.forgotten_on_success:
        await counter.forget(key)
    for key in attempt.given_back_on_success:
        await counter.take_back(key)
