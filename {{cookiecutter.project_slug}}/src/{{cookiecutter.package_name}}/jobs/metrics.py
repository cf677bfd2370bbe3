"""The jobs' metrics, which the worker serves: attempts by kind and outcome, and how long they ran.

A worker runs its jobs in processes of its own, each writing its figures to the folder that ``worker`` prepares,
like a server's workers (see ``core.metrics``); ``METRICS_PORT`` serves their sum from the worker's main process.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

ATTEMPTS = Counter("job_attempts", "Job attempts that ended, by kind and outcome.", ["kind", "outcome"])
DURATION = Histogram(
    "job_attempt_duration_seconds",
    "How long a job attempt ran, by kind and outcome.",
    ["kind", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)


@contextmanager
def measured_attempt(kind: str) -> Iterator[None]:
    """Count the attempt that runs inside this block and time it: ``succeeded``, or ``error`` when it raises (the
    job may be retried)."""
    started, outcome = time.perf_counter(), "error"
    try:
        yield
        outcome = "succeeded"
    finally:
        ATTEMPTS.labels(kind, outcome).inc()
        DURATION.labels(kind, outcome).observe(time.perf_counter() - started)
