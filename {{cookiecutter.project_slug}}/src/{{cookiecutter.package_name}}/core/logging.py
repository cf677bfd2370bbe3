"""Logging, the same on both frameworks: JSON or text lines, the request id on every line, one line per request."""

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any, TextIO

from ..settings import Settings

ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""A caller's id is kept only when it is short and plain, so it cannot forge log lines or headers."""
REQUEST_FIELDS = ("method", "path", "status", "duration_ms")

PACKAGE = (__package__ or "").rpartition(".")[0]
logger = logging.getLogger(PACKAGE)
request_logger = logging.getLogger(f"{PACKAGE}.requests")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def start_request(incoming_id: str | None) -> str:
    """Take the caller's request id, or make one, and make it the current request's."""
    request_id = incoming_id if incoming_id and ACCEPTED_REQUEST_ID.fullmatch(incoming_id) else uuid.uuid4().hex
    _request_id.set(request_id)
    return request_id


def current_request_id() -> str | None:
    return _request_id.get()


def end_request(_error: BaseException | None = None) -> None:
    """Forget the request id, so that a thread's later log lines do not carry it."""
    _request_id.set(None)


def log_request(method: str, path: str, status: int, started: float) -> None:
    """Log a finished request once, with its timing; ``started`` is a ``time.perf_counter()`` reading."""
    if not request_logger.isEnabledFor(logging.INFO):
        return
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    fields = {"method": method, "path": path, "status": status, "duration_ms": duration_ms}
    request_logger.info("%s %s %s %.2fms", method, path, status, duration_ms, extra=fields)


class RequestIdFilter(logging.Filter):
    """Stamp every record with the current request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and the request fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        entry.update({field: getattr(record, field) for field in REQUEST_FIELDS if hasattr(record, field)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class StderrHandler(logging.StreamHandler[TextIO]):
    """Write to whatever ``sys.stderr`` is when a record is logged: servers and test runners replace it."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s [%(request_id)s] %(message)s"


def configure_logging(settings: Settings) -> None:
    """Send the application's logs to stderr, as JSON lines or readable text; calling it again replaces the setup."""
    handler = StderrHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JSONFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT))
    logger.handlers = [handler]
    logger.setLevel(settings.log_level)
    logger.propagate = False
