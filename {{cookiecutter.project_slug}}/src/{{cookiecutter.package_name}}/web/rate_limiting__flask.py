"""The rate limits (see ``rate_limits``) as hooks, which count each API request before any blueprint's own hooks."""

from collections.abc import Callable

from flask import Flask, Response, g, request

from ..core import database
from ..core.counters import OWN_COMMITS, RateLimitCounters
from ..core.counting import open_counter
from ..core.models import utc_now
from ..settings import Settings
from .clients import FORWARDED_FOR, client_address
from .rate_limits import RateLimits, caller, verdict

SubjectOf = Callable[[], str | None]
"""The subject of the request's bearer token when it carries a valid one, else None."""
FIELDS = "rate_limit_fields"


def init_app(app: Flask, settings: Settings, subject_of: SubjectOf) -> None:
    """Count every API request of the application, unless the settings turn the limits off."""
    limits = RateLimits.from_settings(settings)
    if limits is None:
        return
    # A session of the count's own, apart from the request's: it commits each statement on its own.
    sessions = app.extensions[database.EXTENSION].sessions

    @app.before_request
    def count_request() -> None:
        policy = limits.policy(request.method, request.path)
        if policy is None:
            return
        forwarded_for = request.headers.getlist(FORWARDED_FOR)
        address = client_address(request.remote_addr or "", forwarded_for, settings.trusted_proxies)
        key = policy.key(caller(subject_of(), address))
        with sessions() as session, open_counter(settings.redis_url, session, RateLimitCounters) as counter:
            if settings.redis_url is None:
                session.connection(execution_options=OWN_COMMITS)
            count, window_ends = counter.count(key, policy.window)
            if count == 1:
                # A new window: the time to clear some of those that have ended, once per caller and window.
                counter.purge()
        setattr(g, FIELDS, verdict(policy, count, window_ends, utc_now()))

    @app.after_request
    def add_fields(response: Response) -> Response:
        response.headers.update(g.pop(FIELDS, {}))
        return response
