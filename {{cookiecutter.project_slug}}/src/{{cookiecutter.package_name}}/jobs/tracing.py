"""A job's trace: a producer span where it is queued, whose context travels in the message's headers, and a
consumer span beneath it where a worker runs it (see ``core.tracing``)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..core.tracing import TRACE_HEADERS, configured


@contextmanager
def producing(name: str) -> Iterator[dict[str, str]]:
    """A producer span around sending a message, and the headers that carry its context to the consumer (none when
    tracing is off)."""
    tracer = configured.tracer
    if tracer is None:
        yield {}
        return
    from opentelemetry import propagate, trace

    with tracer.start_as_current_span(f"publish {name}", kind=trace.SpanKind.PRODUCER):
        headers: dict[str, str] = {}
        propagate.inject(headers)
        yield headers


@contextmanager
def consuming(name: str, header: Callable[[str], str | None]) -> Iterator[None]:
    """A consumer span around handling a message, beneath the producer's span that its headers (read by ``header``)
    name."""
    tracer = configured.tracer
    if tracer is None:
        yield
        return
    from opentelemetry import propagate, trace

    parent = propagate.extract({name: value for name in TRACE_HEADERS if (value := header(name))})
    with tracer.start_as_current_span(f"process {name}", parent, kind=trace.SpanKind.CONSUMER):
        yield
