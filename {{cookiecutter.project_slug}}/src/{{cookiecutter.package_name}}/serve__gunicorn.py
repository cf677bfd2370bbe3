"""The production server: gunicorn, with its workers, threads and shutdown grace taken from settings."""

import os
import sys
from contextlib import ExitStack

from .core.metrics_files import served_metrics
from .settings import Settings

MAX_REQUEST_LINE_BYTES = 8190
"""gunicorn's highest limit on the request line; its default, 4094, would refuse URLs that the application answers.
gunicorn answers a longer request line itself, with a 414 HTML page."""


def serve(settings: Settings) -> None:
    """Replace this process with gunicorn, so that SIGTERM reaches its arbiter directly; this module is its
    configuration, for the hooks below.

    On SIGTERM, gunicorn stops accepting connections and lets in-flight requests finish within the grace period.
    """
    arguments = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--bind={settings.host}:{settings.port}",
        f"--workers={settings.workers}",
        f"--threads={settings.threads}",
        f"--graceful-timeout={settings.graceful_timeout}",
        f"--limit-request-line={MAX_REQUEST_LINE_BYTES}",
        f"--log-level={settings.log_level.lower()}",
        f"--config=python:{__name__}",
        f"{__package__}.app:create_app()",
    ]
    os.execv(sys.executable, arguments)


_metrics = ExitStack()


def on_starting(_arbiter: object) -> None:
    """gunicorn's hook, in its arbiter before any worker starts."""
    _metrics.enter_context(served_metrics(Settings()))


def on_exit(_arbiter: object) -> None:
    """gunicorn's hook, in its arbiter as it exits."""
    _metrics.close()
