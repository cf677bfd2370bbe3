"""The rate limits (see ``rate_limits``) as hooks, which count each API request before any blueprint's own hooks."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, Response, g, request

from ..core import counting, database
from ..core.counters import OWN_COMMITS, RateLimitCounters
from ..core.models import utc_now
from ..settings import Settings
from .clients import FORWARDED_FOR, client_address
from .rate_limits import Leases, RateLimits, caller, verdict

SubjectOf = Callable[[], str | None]
"""The subject of the request's bearer token when it carries a valid one, else None."""
FIELDS = "rate_limit_fields"


def init_app(app: Flask, settings: Settings, subject_of: SubjectOf) -> None:
    """Count every API request of the application, unless the settings turn the limits off."""
    limits = RateLimits.from_settings(settings)
    if limits is None:
        return
    engine = app.extensions[database.EXTENSION].engine
    redis = app.extensions[counting.EXTENSION]
    leases = Leases()

    @contextmanager
    def counter() -> Iterator[counting.Counter]:
        """Redis, or the database through a connection of the count's own, on which each statement commits alone."""
        if redis is not None:
            yield counting.RedisCounter(redis)
            return
        with engine.connect().execution_options(**OWN_COMMITS) as connection:
            yield counting.DatabaseCounter(connection, RateLimitCounters, engine.dialect.name)

    @app.before_request
    def count_request() -> None:
        policy = limits.policy(request.method, request.path)
        if policy is None:
            return
        forwarded_for = request.headers.getlist(FORWARDED_FOR)
        address = client_address(request.remote_addr or "", forwarded_for, settings.trusted_proxies)
        key = policy.key(caller(subject_of(), address))
        now = utc_now()
        spent = leases.spend(key, policy, now)
        if spent is None:
            size = leases.size(key, policy, now)
            with counter() as counters:
                count, window_ends = counters.count(key, policy.window, size)
                if leases.purge_due(size, count):
                    counters.purge()
            spent = leases.reserve(key, policy, (size, count, window_ends), now), window_ends
        setattr(g, FIELDS, verdict(policy, *spent, utc_now()))

    @app.after_request
    def add_fields(response: Response) -> Response:
        response.headers.update(g.pop(FIELDS, {}))
        return response
