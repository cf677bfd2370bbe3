"""Logging: JSON or text lines, the request id on every line, one line per request.

Records go on a queue (the standard library's ``QueueHandler``); a thread of its own formats them and writes them to
stderr, many lines at a time, so that neither the formatting nor a slow terminal or pipe holds a request up. A
request's own line skips even the record: the request queues a tuple of its fields, and the thread makes the line.
"""

import contextlib
import itertools
import json
import logging
import operator
import os
import queue
import random
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from logging.handlers import QueueHandler
from typing import Any, NamedTuple, TextIO

from ..settings import Settings
from .tracing import current_trace_id

ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""A caller's id is kept only when it is short and plain, so it cannot forge log lines or headers."""
REQUEST_FIELDS = ("method", "path", "status", "duration_ms")
REQUEST_MESSAGE = "%s %s %s %.2fms"
WRITE_INTERVAL_SECONDS = 0.005
"""How long the writer lets lines gather before it writes them: a thread woken for every line would take the
interpreter lock from the requests as often, and each write is a system call."""
IDLE_CHECK_SECONDS = 0.05
"""How often the writer, when idle, checks whether the program is ending."""

PACKAGE = (__package__ or "").rpartition(".")[0]
logger = logging.getLogger(PACKAGE)
request_logger = logging.getLogger(f"{PACKAGE}.requests")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def start_request(incoming_id: str | None) -> str:
    """Take the caller's request id, or make one, and make it the current request's."""
    if incoming_id and ACCEPTED_REQUEST_ID.fullmatch(incoming_id):
        request_id = incoming_id
    else:
        # As unique as a random UUID; not a secret, so it needs no system call for randomness.
        request_id = f"{random.getrandbits(128):032x}"
    _request_id.set(request_id)
    return request_id


def current_request_id() -> str | None:
    return _request_id.get()


class RequestLine(NamedTuple):
    """A finished request's log line, before it is formatted: what the request hands to the writer thread."""

    created: float
    """The ``time.time()`` at which the request was logged."""
    method: str
    path: str
    status: int
    duration_ms: float
    request_id: str | None
    trace_id: str | None

    def message(self) -> str:
        return REQUEST_MESSAGE % (self.method, self.path, self.status, self.duration_ms)

    def as_record(self) -> logging.LogRecord:
        """The same line as a record of the request logger, for a formatter without a line of its own."""
        fields = {field: getattr(self, field) for field in ("request_id", "trace_id", *REQUEST_FIELDS)}
        return logging.makeLogRecord(
            {
                "name": request_logger.name,
                "levelno": logging.INFO,
                "levelname": logging.getLevelName(logging.INFO),
                "msg": self.message(),
                "created": self.created,
                "msecs": self.created % 1 * 1000,
                **fields,
            }
        )


def log_request(method: str, path: str, status: int, started: float) -> None:
    """Log a finished request once, with its timing; ``started`` is a ``time.perf_counter()`` reading.

    Only the line's fields are queued: a record, its filter and the queue handler would cost the request as much
    again, and formatting the line more.
    """
    if _handler is None or not request_logger.isEnabledFor(logging.INFO):
        return
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    line = RequestLine(time.time(), method, path, status, duration_ms, _request_id.get(), current_trace_id())
    _handler.writer.queue.put((line, sys.stderr))


class RequestIdFilter(logging.Filter):
    """Stamp every record with the current request's id, and its trace id when traces are exported."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        record.trace_id = current_trace_id()
        return True


class LineFormatter(logging.Formatter):
    """Formats records, and the lines that requests queue, as records of the request logger."""

    def format_request(self, line: RequestLine) -> str:
        return self.format(line.as_record())


class JSONFormatter(LineFormatter):
    """One JSON object per line: time, level, logger, message, request id and the request fields."""

    encoder = json.JSONEncoder(ensure_ascii=False, default=str)
    time_format = "%Y-%m-%dT%H:%M:%S%z"

    def __init__(self) -> None:
        super().__init__()
        self.second = -1
        self.second_text = ""

    def format_request(self, line: RequestLine) -> str:
        """The line of a request, as ``format`` writes its record, built directly: the writer formats every request
        of a busy server, and the time only changes once a second."""
        second = int(line.created)
        if second != self.second:
            self.second, self.second_text = second, time.strftime(self.time_format, self.converter(second))
        entry: dict[str, Any] = {
            "time": self.second_text,
            "level": "INFO",
            "logger": request_logger.name,
            "message": line.message(),
            "request_id": line.request_id,
        }
        if line.trace_id is not None:
            entry["trace_id"] = line.trace_id
        entry.update(method=line.method, path=line.path, status=line.status, duration_ms=line.duration_ms)
        return self.encoder.encode(entry)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, self.time_format),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        trace_id = getattr(record, "trace_id", None)
        if trace_id is not None:
            entry["trace_id"] = trace_id
        entry.update({field: getattr(record, field) for field in REQUEST_FIELDS if hasattr(record, field)})
        # The queue handler has rendered the traceback already, when the record was logged.
        if record.exc_text:
            entry["exception"] = record.exc_text
        return self.encoder.encode(entry)


TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s [%(request_id)s] %(message)s"


Line = tuple[logging.LogRecord | RequestLine, TextIO]
"""A record or a request's line to write, and the stream that was stderr when it was logged: servers and test runners
replace stderr."""


class LogWriter(threading.Thread):
    """Formats the queued records and writes them, as many lines in one write as are waiting.

    Not a daemon: when the program ends, Python waits for this thread, which writes what is still queued once the
    main thread has finished. That holds in a server's worker process too, which multiprocessing ends past
    ``atexit``.
    """

    def __init__(self, formatter: LineFormatter) -> None:
        super().__init__(name="log-writer")
        self.formatter = formatter
        self.queue: queue.SimpleQueue[Line | threading.Event | None] = queue.SimpleQueue()

    def stop(self) -> None:
        """Write what is queued, then end the thread."""
        self.queue.put(None)
        self.join()

    def flush(self) -> None:
        """Return once every line queued so far is written, or at once if the writer has ended."""
        written = threading.Event()
        self.queue.put(written)
        while not written.wait(IDLE_CHECK_SECONDS):
            if not self.is_alive():
                return

    def run(self) -> None:
        while True:
            try:
                first = self.queue.get(timeout=IDLE_CHECK_SECONDS)
            except queue.Empty:
                if threading.main_thread().is_alive():
                    continue
                return  # The program is ending, and everything is written.
            time.sleep(WRITE_INTERVAL_SECONDS)
            batch = [first, *self._also_waiting()]
            self._write([item for item in batch if isinstance(item, tuple)])
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if None in batch:
                return

    def _also_waiting(self) -> Iterator[Line | threading.Event | None]:
        while True:
            try:
                yield self.queue.get_nowait()
            except queue.Empty:
                return

    def _write(self, lines: list[Line]) -> None:
        for stream, same_stream in itertools.groupby(lines, key=operator.itemgetter(1)):
            text = "".join(f"{self.format(item)}\n" for item, _ in same_stream)
            # Like logging's own handlers, a stream that cannot be written to loses the lines, not the application.
            with contextlib.suppress(OSError, ValueError):
                stream.write(text)
                stream.flush()

    def format(self, item: logging.LogRecord | RequestLine) -> str:
        if isinstance(item, RequestLine):
            return self.formatter.format_request(item)
        return self.formatter.format(item)


class RecordQueueHandler(QueueHandler):
    """Queue each record for a writer thread, with its message and traceback rendered as they are when it is logged,
    and the stream it goes to: whatever ``sys.stderr`` is at that moment.

    The standard ``prepare`` formats the whole line and copies the record; here the writer formats the line, and the
    record is changed in place, since this is the only handler of the application's logger.
    """

    def __init__(self, writer: LogWriter) -> None:
        super().__init__(writer.queue)
        self.writer = writer

    def prepare(self, record: logging.LogRecord) -> Line:
        record.msg = record.message = record.getMessage()
        record.args = None
        if record.exc_info:
            record.exc_text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        return record, sys.stderr

    def flush(self) -> None:
        """Return once every record queued so far is written."""
        self.writer.flush()

    def close(self) -> None:
        self.writer.stop()
        super().close()

    def restart(self) -> None:
        """Start a writer of this process's own, as a forked process must: it inherits the queue, not the thread."""
        self.writer = LogWriter(self.writer.formatter)
        self.queue = self.writer.queue
        self.writer.start()


_handler: RecordQueueHandler | None = None
"""The handler whose writer thread takes the requests' lines; None until logging is configured."""


def configure_logging(settings: Settings) -> None:
    """Send the application's logs to stderr, as JSON lines or readable text; calling it again replaces the setup."""
    global _handler
    for handler in logger.handlers:
        handler.close()
    writer = LogWriter(JSONFormatter() if settings.log_format == "json" else LineFormatter(TEXT_FORMAT))
    writer.start()
    _handler = RecordQueueHandler(writer)
    _handler.addFilter(RequestIdFilter())
    logger.handlers = [_handler]
    logger.setLevel(settings.log_level)
    logger.propagate = False


def _restart_writers() -> None:
    for handler in logger.handlers:
        if isinstance(handler, RecordQueueHandler):
            handler.restart()


os.register_at_fork(after_in_child=_restart_writers)


def flush_logs() -> None:
    """Return once every line logged so far is written."""
    for handler in logger.handlers:
        handler.flush()
