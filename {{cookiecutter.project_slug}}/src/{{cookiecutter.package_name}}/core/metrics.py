"""Prometheus metrics: requests by method, route template and status, their latency, requests in flight, the
database pool, and the build.

Under the production server every worker process writes its values to files in one folder (see ``metrics_files``),
and a scrape adds them up, so the figures are exact however many workers answered. A worker that has died keeps its
counts; its share of the gauges that describe the present, such as requests in flight, is dropped.
"""

import os
import platform
import threading
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event

from .. import __version__
from .metrics_files import MULTIPROCESS_VARIABLE, PACKAGE

METRICS_URL = "/metrics"
CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED_ROUTE = "unmatched"
"""The route label of a request that no route answered (404, 405): the raw path would let any caller add series."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
LIVE_GAUGE_FILE_PREFIX = "gauge_live"

REQUESTS = Counter("http_requests", "Requests answered.", ["method", "route", "status"])
REQUEST_DURATION = Histogram(
    "http_request_duration_seconds", "Time from receiving a request to its answer.", ["method", "route", "status"]
)
REQUESTS_IN_FLIGHT = Gauge("http_requests_in_flight", "Requests being answered.", multiprocess_mode="livesum")
POOL_IN_USE = Gauge(
    "database_pool_connections_in_use", "Pooled database connections lent out.", multiprocess_mode="livesum"
)
POOL_OVERFLOW = Gauge(
    "database_pool_overflow_connections",
    "Connections open beyond the pool's size.",
    multiprocess_mode="livesum",
)
BUILD_INFO = Gauge(
    "build_info",
    "The service's version and Python's, always 1.",
    ["service", "version", "python"],
    multiprocess_mode="max",
)
BUILD_INFO.labels(PACKAGE, __version__, platform.python_version()).set(1)

_request_series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}


def method_label(method: str) -> str:
    """The method, or ``other`` for one that HTTP does not define: any token is a valid method."""
    return method if method in METHODS else OTHER_METHOD


def observe_request(method: str, route: str | None, status: int, seconds: float) -> None:
    """Count an answered request and its latency; ``route`` is the template of the route that answered it."""
    key = (method_label(method), route or UNMATCHED_ROUTE, status)
    series = _request_series.get(key)
    if series is None:
        labels = (*key[:2], str(status))
        series = _request_series.setdefault(key, (REQUESTS.labels(*labels), REQUEST_DURATION.labels(*labels)))
    series[0].inc()
    series[1].observe(seconds)


def measure_pool(engine: Engine) -> None:
    """Keep the pool gauges up to date as connections are lent out and given back, opened and closed.

    Overflow is counted from the connections open rather than asked of the pool: the pool closes a surplus
    connection only after its events have run.
    """
    pool = engine.pool
    size: Callable[[], int] | None = getattr(pool, "size", None)
    opened = 0
    lock = threading.Lock()

    def count_open(change: int) -> None:
        nonlocal opened
        with lock:
            opened += change
            POOL_OVERFLOW.set(max(0, opened - size()) if size else 0)

    event.listen(pool, "connect", lambda *_: count_open(1))
    event.listen(pool, "close", lambda *_: count_open(-1))
    event.listen(pool, "detach", lambda *_: count_open(-1))
    event.listen(pool, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(pool, "checkin", lambda *_: POOL_IN_USE.dec())


class LiveWorkers(Collector):
    """Every worker's metrics from the shared folder, once the gauges of the workers that have died are removed:
    servers restart dead workers without telling the application."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.files = MultiProcessCollector(None, folder)

    def collect(self) -> Iterable[Metric]:
        for pid in set(self.live_gauge_owners()):
            if not process_exists(pid):
                mark_process_dead(pid, self.folder)
        metrics: Iterable[Metric] = self.files.collect()
        return metrics

    def live_gauge_owners(self) -> Iterator[int]:
        for name in os.listdir(self.folder):
            if name.startswith(LIVE_GAUGE_FILE_PREFIX) and name.endswith(".db"):
                yield int(name.removesuffix(".db").rpartition("_")[2])


def process_exists(pid: int) -> bool:
    """Whether this user has a process with this id (another user's has taken the id of a worker that has gone)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def registry() -> CollectorRegistry:
    """What a scrape reports: every worker's figures under the production server, this process's otherwise."""
    folder = os.environ.get(MULTIPROCESS_VARIABLE)
    if not folder:
        return REGISTRY
    workers = CollectorRegistry()
    workers.register(LiveWorkers(folder))
    return workers


def exposition() -> bytes:
    """The metrics in Prometheus's text format."""
    return generate_latest(registry())


def serve_metrics(host: str, port: int) -> None:
    """Serve the metrics on a port of their own, from a thread of this process (the server's main process)."""
    start_http_server(port, addr=host, registry=registry())
