"""Rate limits per caller on the API: each caller may make so many reads and so many writes in a window.

The caller is the subject of a valid bearer token when the request carries one, else the client's address (read
through the trusted proxies, see ``clients``): a signed-in member is one caller from every device, and a client
without a token cannot escape its count by sending a forged ``X-Forwarded-For``. Reads (GET, HEAD) and writes (every
other method) are counted apart, each under its own policy. A request over its policy's quota gets 429, with
``Retry-After`` and the fields of the IETF draft "RateLimit header fields for HTTP"
(draft-ietf-httpapi-ratelimit-headers-11, structured fields): ``RateLimit-Policy: "reads";q=1200;w=60`` names the
policy, ``RateLimit: "reads";r=0;t=42`` says what remains of it and in how many seconds the window ends. Every answer
under a limit carries both fields too. Only the API's URLs are counted: health probes, the docs, the metrics and any
page are not.

A window is fixed: it starts with a caller's first request and ends after its length. The counters are those of
``core.counters``, in the database or in Redis, where every worker and replica sees them. A process does not write
each request there: it reserves a few of the caller's requests at once (a lease, at most a 64th of what remains of
the quota, so one at a time near its end) and spends them before it reserves more. Every request spent was counted
first, so no caller ever gets more than its quota, whatever the number of processes; a caller whose requests move
from one process to another may be refused a few requests early, those another process holds reserved. Once the
quota is spent, every process refuses the caller until the window ends without asking the store again.
"""

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from ..core.errors import ServiceError
from ..settings import Settings
from .problems import PROBLEM_MEDIA_TYPE, SCHEMA_REF, Problem

API_PREFIX = "/api/"
LEASE_SHARE = 64
"""A lease reserves at most this fraction of what remains of a caller's quota."""
MAX_LEASE = 64
"""The most requests a lease reserves, however large the quota."""
MAX_LEASES = 10_000
"""The most callers a process keeps leases for; the leases of ended windows go first, then the oldest."""
PURGE_EVERY = 16
"""A process clears a batch of ended counters from the store once in this many windows it opens: a batch is larger
than that many, so the table stays small, and a new caller seldom pays for a second statement."""
READ_METHODS = frozenset({"GET", "HEAD"})
RATE_LIMIT = "RateLimit"
RATE_LIMIT_POLICY = "RateLimit-Policy"
RETRY_AFTER = "Retry-After"
RATE_LIMIT_HEADERS = {
    RATE_LIMIT_POLICY: {
        "description": "The caller's quota policy for this kind of request (draft-ietf-httpapi-ratelimit-headers-11): "
        'its name, its quota q and its window w in seconds, such as "reads";q=1200;w=60.',
        "schema": {"type": "string"},
    },
    RATE_LIMIT: {
        "description": "What remains of the policy's quota (r) and the seconds until its window ends (t), such as "
        '"reads";r=1199;t=60.',
        "schema": {"type": "string"},
    },
}
"""The rate-limit fields, as the OpenAPI document declares them on the API's responses."""
TOO_MANY_REQUESTS = {
    "description": HTTPStatus.TOO_MANY_REQUESTS.phrase,
    "headers": {
        RETRY_AFTER: {"description": "Seconds until the caller may try again.", "schema": {"type": "integer"}},
        **RATE_LIMIT_HEADERS,
    },
    "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": SCHEMA_REF.format(model=Problem.__name__)}}},
}
"""The documented 429 of every API operation."""


@dataclass(frozen=True, slots=True)
class Policy:
    """A quota of requests per window, for one kind of request."""

    name: str
    quota: int
    window: timedelta
    policy_field: str = field(init=False)
    """The policy as the RateLimit-Policy field states it, made once."""

    def __post_init__(self) -> None:
        window_seconds = math.ceil(self.window.total_seconds())
        object.__setattr__(self, "policy_field", f'"{self.name}";q={self.quota};w={window_seconds}')

    def key(self, caller: str) -> str:
        """The counter of ``caller`` under this policy: its name, which holds no space, a space, then the caller."""
        return f"rate-{self.name} {caller}"


class RateLimitedError(ServiceError):
    """The caller has used up a policy's quota in the current window."""

    status = HTTPStatus.TOO_MANY_REQUESTS

    def __init__(self, headers: Mapping[str, str], retry_after: int) -> None:
        self.fields = {**headers, RETRY_AFTER: str(retry_after)}
        super().__init__(f"Too many requests; try again in {retry_after} seconds.")

    @property
    def headers(self) -> Mapping[str, str]:
        return self.fields


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The policies of an application, from its settings."""

    reads: Policy
    writes: Policy

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimits | None":
        """The limits, or None when the settings turn them off."""
        if not settings.rate_limits_enabled:
            return None
        window = timedelta(seconds=settings.rate_limit_window_seconds)
        reads = Policy("reads", settings.rate_limit_reads, window)
        return cls(reads, Policy("writes", settings.rate_limit_writes, window))

    def policy(self, method: str, path: str) -> Policy | None:
        """The policy a request is counted under; None for a URL outside the API."""
        if not path.startswith(API_PREFIX):
            return None
        return self.reads if method in READ_METHODS else self.writes


@dataclass(slots=True)
class Lease:
    """What a process knows of a caller's counter in one window: the highest count the store answered it, and how
    many of the requests it reserved are left to spend."""

    counted: int
    unspent: int
    window_ends: datetime

    def spend(self, quota: int) -> int:
        """The count of one more request: one of the reserved, all of which are within the quota, or, with none
        left, one over everything counted."""
        if self.unspent == 0:
            return max(self.counted, quota) + 1
        self.unspent -= 1
        return min(self.counted, quota) - self.unspent


class Leases:
    """The requests a process has reserved, by counter; shared by the threads of the process."""

    def __init__(self) -> None:
        self._leases: dict[str, Lease] = {}
        self._lock = threading.Lock()
        self._windows_opened = 0

    def spend(self, key: str, policy: Policy, now: datetime) -> tuple[int, datetime] | None:
        """The count of a request and the end of its window, without the store while a lease has a request left or
        the quota is spent; None when the process must reserve more (see ``reserve``)."""
        with self._lock:
            lease = self._leases.get(key)
            if lease is None or lease.window_ends <= now or (lease.unspent == 0 and lease.counted < policy.quota):
                return None
            return lease.spend(policy.quota), lease.window_ends

    def size(self, key: str, policy: Policy, now: datetime) -> int:
        """How many requests to reserve in the store: a share of what remains of the quota, as last seen."""
        with self._lock:
            lease = self._leases.get(key)
            counted = lease.counted if lease is not None and lease.window_ends > now else 0
        return max(1, min(MAX_LEASE, (policy.quota - counted) // LEASE_SHARE))

    def reserve(self, key: str, policy: Policy, reserved: tuple[int, int, datetime], now: datetime) -> int:
        """Keep what the store counted (``size`` requests added, giving ``count`` in the window that ends then), and
        spend one of them on this request; its count. Reserved requests over the quota are never spent."""
        size, count, window_ends = reserved
        usable = max(0, min(size, policy.quota - (count - size)))
        with self._lock:
            lease = self._leases.get(key)
            if lease is None or lease.window_ends <= now:
                if len(self._leases) >= MAX_LEASES:
                    self._forget_some(now)
                lease = self._leases[key] = Lease(0, 0, window_ends)
            lease.counted = max(lease.counted, count)
            lease.unspent += usable
            return lease.spend(policy.quota)

    def purge_due(self, size: int, count: int) -> bool:
        """Whether a reservation that counted ``count`` with ``size`` requests opened a window, and is the one in
        ``PURGE_EVERY`` such that clears some ended counters."""
        if count != size:
            return False
        with self._lock:
            self._windows_opened += 1
            return self._windows_opened % PURGE_EVERY == 1

    def _forget_some(self, now: datetime) -> None:
        """Forget the leases of ended windows, or, with none, the older half: their callers may lose a few requests
        to the store, never get more."""
        ended = [key for key, lease in self._leases.items() if lease.window_ends <= now]
        for key in ended or list(self._leases)[: MAX_LEASES // 2]:
            del self._leases[key]


def caller(subject: str | None, address: str) -> str:
    """Who a request is counted for: the token's subject, else the client's address."""
    return f"subject:{subject}" if subject is not None else f"address:{address}"


def verdict(policy: Policy, count: int, window_ends: datetime, now: datetime) -> dict[str, str]:
    """The rate-limit fields of an answer under the limit; raises ``RateLimitedError`` over it."""
    reset = max(0, math.ceil((window_ends - now).total_seconds()))
    remaining = max(policy.quota - count, 0)
    headers = {RATE_LIMIT_POLICY: policy.policy_field, RATE_LIMIT: f'"{policy.name}";r={remaining};t={reset}'}
    if count > policy.quota:
        raise RateLimitedError(headers, max(reset, 1))
    return headers


def document_rate_limits(openapi: dict[str, Any]) -> dict[str, Any]:
    """Declare the 429 and the rate-limit fields on every API operation of an OpenAPI document, in place."""
    for path, path_item in openapi.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for operation in path_item.values():
            responses = operation.get("responses", {})
            for status, response in responses.items():
                if str(status).startswith("2"):
                    response.setdefault("headers", {}).update(RATE_LIMIT_HEADERS)
            responses["429"] = {**responses.get("429", {}), **TOO_MANY_REQUESTS}
    return openapi
