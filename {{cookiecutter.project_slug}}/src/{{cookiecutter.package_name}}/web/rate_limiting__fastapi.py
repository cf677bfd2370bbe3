"""The rate limits (see ``rate_limits``) as a middleware, which counts each API request before it is routed."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.counters import OWN_COMMITS, RateLimitCounters
from ..core.counting import Counter, DatabaseCounter, RedisCounter
from ..core.models import utc_now
from ..settings import Settings
from .clients import FORWARDED_FOR, client_address
from .handlers import problem_response
from .problems import problem_for
from .rate_limits import Leases, RateLimitedError, RateLimits, caller, verdict

SubjectOf = Callable[[Request], Awaitable[str | None]]
"""The subject of the request's bearer token when it carries a valid one, else None."""


class RateLimiting:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: RateLimits,
        settings: Settings,
        engine: AsyncEngine,
        redis: Redis | None,
        subject_of: SubjectOf,
    ) -> None:
        self.app = app
        self.limits = limits
        self.trusted_proxies = settings.trusted_proxies
        self.engine = engine
        self.redis = redis
        self.subject_of = subject_of
        self.leases = Leases()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = self.limits.policy(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if policy is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        peer = request.client.host if request.client else ""
        address = client_address(peer, request.headers.getlist(FORWARDED_FOR), self.trusted_proxies)
        key = policy.key(caller(await self.subject_of(request), address))
        now = utc_now()
        spent = self.leases.spend(key, policy, now)
        if spent is None:
            size = self.leases.size(key, policy, now)
            async with self.counter() as counters:
                count, window_ends = await counters.count(key, policy.window, size)
                if self.leases.purge_due(size, count):
                    await counters.purge()
            spent = self.leases.reserve(key, policy, (size, count, window_ends), now), window_ends
        try:
            fields = verdict(policy, *spent, utc_now())
        except RateLimitedError as error:
            body = problem_for(error, scope["method"], scope["path"])
            await problem_response(body, error.headers)(scope, receive, send)
            return
        encoded = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in fields.items()]

        async def send_with_fields(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *encoded]
            await send(message)

        await self.app(scope, receive, send_with_fields)

    @asynccontextmanager
    async def counter(self) -> AsyncIterator[Counter]:
        """Redis, or the database through a connection of the count's own, on which each statement commits alone."""
        if self.redis is not None:
            yield RedisCounter(self.redis)
            return
        async with self.engine.connect() as connection:
            own_commits = await connection.execution_options(**OWN_COMMITS)
            yield DatabaseCounter(own_commits, RateLimitCounters, self.engine.dialect.name)
