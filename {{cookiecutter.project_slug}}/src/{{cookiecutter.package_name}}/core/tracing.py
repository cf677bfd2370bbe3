"""OpenTelemetry traces: a span per request named by its route's template, a span per SQL statement beneath it, and
the trace id in every log line and problem body.

Off unless the standard variables name an OTLP endpoint (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, with the exporter's other ``OTEL_*`` variables); ``OTEL_SDK_DISABLED=true``
turns it off again. The SDK is imported only then: it costs a quarter of a second of start-up. Each process sets it
up for itself when it builds the application, as a server's worker does after the server has started it: the
exporter's thread would not survive a fork.
"""

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event

from .metrics_files import PACKAGE

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span, Tracer

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
TRACE_HEADERS = ("traceparent", "tracestate")
"""The W3C Trace Context headers, through which a caller's trace continues here."""
SPAN_KEY = f"{PACKAGE}.spans"
"""Where a connection keeps the spans of its statements while they run."""


@dataclass
class Tracing:
    """This process's tracer, once tracing is set up in it."""

    tracer: "Tracer | None" = None
    pid: int | None = None


configured = Tracing()
"""This process's tracing: whether it is set up, and its tracer."""


def tracing_requested() -> bool:
    disabled = os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
    return not disabled and any(os.environ.get(name) for name in ENDPOINT_VARIABLES)


def configure_tracing() -> bool:
    """Set tracing up in this process if the environment asks for it, once; whether it is on."""
    if configured.pid == os.getpid():
        return configured.tracer is not None
    configured.pid = os.getpid()
    if not tracing_requested():
        return False
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES take precedence over this default name.
    resource = Resource.create(
        {"service.name": os.environ.get("OTEL_SERVICE_NAME") or PACKAGE, "process.pid": os.getpid()}
    )
    provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    export_last_spans_at_exit(provider)
    trace.set_tracer_provider(provider)
    configured.tracer = trace.get_tracer(PACKAGE)
    return True


def export_last_spans_at_exit(provider: "TracerProvider") -> None:
    """Export the spans still in the batch when the process ends, from a thread that Python waits for as it ends:
    ``atexit`` would miss them in a server's worker, which multiprocessing ends past it."""

    def export_once_the_program_ends() -> None:
        threading.main_thread().join()
        provider.shutdown()

    threading.Thread(target=export_once_the_program_ends, name="span-export-at-exit").start()


def current_trace_id() -> str | None:
    """The trace id of the current span, in W3C's 32 hexadecimal digits; None when tracing is off."""
    if configured.tracer is None:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return trace.format_trace_id(context.trace_id) if context.is_valid else None


class RequestSpan:
    """The server span of one request, current while the request is handled: statements and logs join it."""

    def __init__(self, tracer: "Tracer", method: str, header: Callable[[str], str | None]) -> None:
        from opentelemetry import context, propagate, trace

        self.method = method
        parent: Context = propagate.extract({name: value for name in TRACE_HEADERS if (value := header(name))})
        self.span: Span = tracer.start_span(method, parent, kind=trace.SpanKind.SERVER)
        self.span.set_attribute("http.request.method", method)
        self.token = context.attach(trace.set_span_in_context(self.span, parent))

    def finish(self, route: str | None, path: str, status: int) -> None:
        """Name the span by its route's template and end it; a 5xx marks it as an error."""
        from opentelemetry import context, trace

        if route is not None:
            self.span.update_name(f"{self.method} {route}")
            self.span.set_attribute("http.route", route)
        self.span.set_attribute("url.path", path)
        self.span.set_attribute("http.response.status_code", status)
        if status >= 500:
            self.span.set_status(trace.StatusCode.ERROR)
        context.detach(self.token)
        self.span.end()


def start_request_span(method: str, header: Callable[[str], str | None]) -> RequestSpan | None:
    """A span for a request, whose headers ``header`` reads by their lower-case name; None when tracing is off, so
    that a request without tracing costs one test."""
    tracer = configured.tracer
    return None if tracer is None else RequestSpan(tracer, method, header)


def trace_statements(engine: Engine) -> None:
    """A span for each SQL statement the engine runs, beneath the current span; nothing when tracing is off."""
    tracer = configured.tracer
    if tracer is None:
        return
    from opentelemetry import trace

    system = engine.dialect.name

    @event.listens_for(engine, "before_cursor_execute")
    def start(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = tracer.start_span(
            operation,
            kind=trace.SpanKind.CLIENT,
            attributes={"db.system.name": system, "db.operation.name": operation, "db.query.text": statement},
        )
        connection.info.setdefault(SPAN_KEY, []).append(span)

    @event.listens_for(engine, "after_cursor_execute")
    def end(connection: Any, *_: Any) -> None:
        connection.info[SPAN_KEY].pop().end()

    @event.listens_for(engine, "handle_error")
    def failed(context: Any) -> None:
        spans = context.connection.info.get(SPAN_KEY) if context.connection is not None else None
        if spans:
            span = spans.pop()
            span.set_status(trace.StatusCode.ERROR, type(context.original_exception).__name__)
            span.end()
