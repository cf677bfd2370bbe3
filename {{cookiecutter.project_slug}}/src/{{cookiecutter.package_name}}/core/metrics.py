"""Prometheus metrics: requests by method, route template and status, their latency, requests in flight, the
database pool, and the build.

Under the production server every worker process writes its values to files in one folder (see ``metrics_files``),
and a scrape adds them up, so the figures are exact however many workers answered. A worker that has died keeps its
counts; its share of the gauges that describe the present, such as requests in flight, is dropped.

A request only adds itself to tallies in memory; a thread of each process writes them to the files ten times a
second, as many requests in one write as were answered (see ``Tally``), and once more as the process ends.
"""

import bisect
import os
import platform
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

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
LATENCY_BUCKETS = Histogram.DEFAULT_BUCKETS
"""The latency buckets' upper bounds in seconds, the last infinite: a latency falls in the first it does not exceed."""
REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from receiving a request to its answer.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
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

WRITE_INTERVAL_SECONDS = 0.1
"""How long a process's tallies wait to be written: a scrape may miss at most this much of each worker's latest
requests, and sees them at the next."""
Series = tuple[str, str, int]
"""A request's method, route template and status: the labels of its counter and its histogram."""


def method_label(method: str) -> str:
    """The method, or ``other`` for one that HTTP does not define: any token is a valid method."""
    return method if method in METHODS else OTHER_METHOD


@dataclass(slots=True)
class Answered:
    """The requests of one series answered since the last write: how many, their latencies' sum, and how many fell
    in each bucket."""

    count: int = 0
    seconds: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * len(LATENCY_BUCKETS))


class Tally:
    """What this process has measured and not yet written: answered requests by series, requests in flight and
    pooled connections lent out.

    Each file write takes a lock and packs a value into the shared memory map, about as long as the rest of the
    measuring together, and a request would make five of them; here a request changes numbers in memory under one
    lock, and ``write`` adds a tenth of a second's requests in one write a series.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answered: dict[Series, Answered] = {}
        self.in_flight = 0
        self.lent = 0
        self.writer: threading.Thread | None = None
        self.written: dict[Series, tuple[Counter, Histogram]] = {}

    def started(self) -> None:
        with self.lock:
            self.in_flight += 1
        if self.writer is None:
            self.start_writer()

    def finished(self, method: str, route: str | None, status: int, seconds: float) -> None:
        """Count an answered request and its latency; ``route`` is the template of the route that answered it."""
        series = (method_label(method), route or UNMATCHED_ROUTE, status)
        with self.lock:
            self.in_flight -= 1
            answered = self.answered.get(series)
            if answered is None:
                answered = self.answered[series] = Answered()
            answered.count += 1
            answered.seconds += seconds
            answered.buckets[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1

    def lend(self, change: int) -> None:
        with self.lock:
            self.lent += change

    def write(self) -> None:
        """Add what was measured since the last write to this process's files (or its registry, without them)."""
        with self.lock:
            answered, self.answered = self.answered, {}
            in_flight, lent = self.in_flight, self.lent
        # The gauges first: a scrape that sees this write's counts then sees its gauges too, never older ones.
        REQUESTS_IN_FLIGHT.set(in_flight)
        POOL_IN_USE.set(lent)
        for series, measured in answered.items():
            counter, histogram = self.metrics_of(series)
            counter.inc(measured.count)
            # prometheus-client observes one latency at a time; its histogram keeps a value per bucket and their sum.
            histogram._sum.inc(measured.seconds)
            for bucket, count in zip(histogram._buckets, measured.buckets, strict=True):
                if count:
                    bucket.inc(count)

    def metrics_of(self, series: Series) -> tuple[Counter, Histogram]:
        metrics = self.written.get(series)
        if metrics is None:
            labels = (series[0], series[1], str(series[2]))
            metrics = self.written[series] = (REQUESTS.labels(*labels), REQUEST_DURATION.labels(*labels))
        return metrics

    def start_writer(self) -> None:
        with self.lock:
            if self.writer is None:
                self.writer = threading.Thread(target=self.write_until_exit, name="metrics-writer")
                self.writer.start()

    def write_until_exit(self) -> None:
        """Write every interval, and once more when the main thread has ended: not a daemon, so Python waits for
        it, also in a server's worker process, which multiprocessing ends past ``atexit``."""
        main = threading.main_thread()
        while main.is_alive():
            main.join(WRITE_INTERVAL_SECONDS)
            self.write()

    def forget(self) -> None:
        """Start afresh in a forked process: the parent's requests are not its own, nor is the parent's thread."""
        self.lock = threading.Lock()
        self.answered, self.in_flight, self.lent, self.writer = {}, 0, 0, None


tally = Tally()
os.register_at_fork(after_in_child=tally.forget)


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
    event.listen(pool, "checkout", lambda *_: tally.lend(1))
    event.listen(pool, "checkin", lambda *_: tally.lend(-1))


class LiveWorkers(Collector):
    """Every worker's metrics from the shared folder, once the gauges of the workers that have died are removed:
    servers restart dead workers without telling the application."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def collect(self) -> Iterable[Metric]:
        for pid in set(self.live_gauge_owners()):
            if not process_exists(pid):
                mark_process_dead(pid, self.folder)
        metrics: Iterable[Metric] = MultiProcessCollector.merge(list(self.written_files()), accumulate=True)
        return metrics

    def written_files(self) -> Iterator[str]:
        """The folder's files, but those a worker is creating: prometheus-client creates a file empty and sizes it
        after, and cannot read it in between. A file sized once keeps its size, so one skipped held nothing yet."""
        with os.scandir(self.folder) as entries:
            for entry in entries:
                try:
                    if entry.name.endswith(".db") and entry.stat().st_size > 0:
                        yield entry.path
                except FileNotFoundError:  # A dead worker's gauges, removed by a scrape in another worker.
                    continue

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
    """The metrics in Prometheus's text format, with this process's latest requests."""
    tally.write()
    return generate_latest(registry())


def serve_metrics(host: str, port: int) -> None:
    """Serve the metrics on a port of their own, from a thread of this process (the server's main process)."""
    start_http_server(port, addr=host, registry=registry())
