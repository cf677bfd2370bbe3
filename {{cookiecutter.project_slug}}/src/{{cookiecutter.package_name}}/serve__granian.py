"""The production server: granian, with its workers, threads and shutdown grace taken from settings."""

import importlib

from granian import Granian
from granian.constants import Interfaces
from granian.log import LogLevels

from .core.metrics_files import served_metrics
from .settings import Settings

MAX_REQUEST_LINE_BYTES = 65534
"""The longest request target that hyper, granian's HTTP library, accepts; it cannot be configured. granian answers a
longer one itself, with an empty 414."""


def serve(settings: Settings) -> None:
    """Serve until SIGTERM or SIGINT, then let in-flight requests finish within the grace period."""
    with served_metrics(settings):
        # Once, here, rather than in each worker: granian forks its workers from this process (Python's default on
        # Linux), so that they start with the application's modules loaded, and a SIGTERM seldom finds one still
        # starting, which granian would only kill after the grace period.
        importlib.import_module(f"{__package__}.app")
        Granian(
            f"{__package__}.app:create_app",
            factory=True,
            interface=Interfaces.{{ cookiecutter.__granian_interface }},
            address=settings.host,
            port=settings.port,
            workers=settings.workers,
            {{ cookiecutter.__granian_threads_option }}=settings.threads,
            workers_kill_timeout=settings.graceful_timeout,
            log_level=LogLevels(settings.log_level.lower()),
        ).serve()
