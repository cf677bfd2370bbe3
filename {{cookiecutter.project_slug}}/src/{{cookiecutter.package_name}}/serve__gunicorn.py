"""The production server: gunicorn, with its workers, threads and shutdown grace taken from settings."""

from contextlib import ExitStack

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from .core.metrics_files import served_metrics
from .settings import Settings

MAX_REQUEST_LINE_BYTES = 8190
"""gunicorn's highest limit on the request line; its default, 4094, would refuse URLs that the application answers.
gunicorn answers a longer request line itself, with a 414 HTML page."""


class Server(BaseApplication):
    """gunicorn run in this process, which becomes its arbiter, so that SIGTERM reaches it directly: it stops
    accepting connections and lets in-flight requests finish within the grace period.

    The arbiter never imports the application: each worker creates it once started, with prometheus-client's
    folder set by then.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = ExitStack()
        super().__init__()

    def load_config(self) -> None:
        settings = self.settings
        options = {
            "bind": f"{settings.host}:{settings.port}",
            "workers": settings.workers,
            "threads": settings.threads,
            "graceful_timeout": settings.graceful_timeout,
            "limit_request_line": MAX_REQUEST_LINE_BYTES,
            "loglevel": settings.log_level.lower(),
            "on_starting": self.on_starting,
            "on_exit": self.on_exit,
        }
        for name, value in options.items():
            self.cfg.set(name, value)

    def on_starting(self, _arbiter: Arbiter) -> None:
        """Before any worker starts."""
        self.metrics.enter_context(served_metrics(self.settings))

    def on_exit(self, _arbiter: Arbiter) -> None:
        self.metrics.close()

    # The stubs' WSGI application takes any mapping as its environ, where Flask's takes a dict.
    def load(self) -> Flask:  # type: ignore[override]
        from .app import create_app

        return create_app(self.settings)


def serve(settings: Settings) -> None:
    """Serve until SIGTERM or SIGINT, then let in-flight requests finish within the grace period."""
    Server(settings).run()
