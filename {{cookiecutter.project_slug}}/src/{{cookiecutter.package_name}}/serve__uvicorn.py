"""The production server: uvicorn, with its workers and shutdown grace taken from settings.

Each uvicorn worker runs one event loop, so the ``threads`` setting does not apply.
"""

import signal
import sys
from types import FrameType

import uvicorn

from .core.metrics_files import served_metrics
from .settings import Settings

MAX_REQUEST_LINE_BYTES = 16 * 1024
"""h11's limit on a request head, request line and headers, while it is still arriving; uvicorn answers a longer one
that arrives in parts itself, with a plain-text 400."""


def exit_cleanly(_signal: int, _frame: FrameType | None) -> None:
    sys.exit(0)


def serve(settings: Settings) -> None:
    """Serve until SIGTERM or SIGINT, then let in-flight requests finish within the grace period.

    Once shut down, uvicorn raises the signal that stopped it again; an orderly stop then exits with status 0.
    """
    signal.signal(signal.SIGTERM, exit_cleanly)
    with served_metrics(settings):
        uvicorn.run(
            f"{__package__}.app:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            timeout_graceful_shutdown=settings.graceful_timeout,
            log_level=settings.log_level.lower(),
            access_log=False,
            h11_max_incomplete_event_size=MAX_REQUEST_LINE_BYTES,
            # The client's address is the connection's: uvicorn would believe X-Forwarded-For from any local process.
            proxy_headers=False,
        )
