"""The rate limits (see ``rate_limits``) as a middleware, which counts each API request before it is routed."""

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.counters import OWN_COMMITS, RateLimitCounters
from ..core.counting import open_counter
from ..core.models import utc_now
from ..settings import Settings
from .clients import FORWARDED_FOR, client_address
from .handlers import problem_response
from .problems import problem_for
from .rate_limits import RateLimitedError, RateLimits, caller, verdict

SubjectOf = Callable[[Request], Awaitable[str | None]]
"""The subject of the request's bearer token when it carries a valid one, else None."""


class RateLimiting:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: RateLimits,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        subject_of: SubjectOf,
    ) -> None:
        self.app = app
        self.limits = limits
        self.redis_url = settings.redis_url
        self.trusted_proxies = settings.trusted_proxies
        self.sessions = sessions
        self.subject_of = subject_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = self.limits.policy(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if policy is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        peer = request.client.host if request.client else ""
        address = client_address(peer, request.headers.getlist(FORWARDED_FOR), self.trusted_proxies)
        key = policy.key(caller(await self.subject_of(request), address))
        async with self.sessions() as session, open_counter(self.redis_url, session, RateLimitCounters) as counter:
            if self.redis_url is None:
                await session.connection(execution_options=OWN_COMMITS)
            count, window_ends = await counter.count(key, policy.window)
            if count == 1:
                # A new window: the time to clear some of those that have ended, once per caller and window.
                await counter.purge()
        try:
            fields = verdict(policy, count, window_ends, utc_now())
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
