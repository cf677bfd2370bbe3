"""Traces for the tests: a receiver of OTLP over HTTP on a free port, which decodes and keeps every span the servers
and workers send it, and, for the applications of the test process, spans kept in memory."""

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Status
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from {{ cookiecutter.package_name }}.core import tracing

EXPORT_WAIT_SECONDS = 10
EXPORT_DELAY_MS = 50
"""How long the servers' exporters gather spans before they send them: little, for a quick test."""


@dataclass(frozen=True)
class Span:
    """What the tests read of an exported span."""

    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict[str, Any]
    resource: dict[str, Any]
    failed: bool


def plain(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


@dataclass
class Receiver:
    """An OTLP/HTTP trace receiver on a free port, keeping every span it is sent."""

    url: str = ""
    spans: list[Span] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = ExportTraceServiceRequest()
                request.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.keep(request)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: Any) -> None:
                pass

        return Handler

    def keep(self, request: ExportTraceServiceRequest) -> None:
        with self.lock:
            for resource_spans in request.resource_spans:
                resource = {item.key: plain(item.value) for item in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    self.spans.extend(
                        Span(
                            span.name,
                            span.kind,
                            span.trace_id.hex(),
                            span.span_id.hex(),
                            span.parent_span_id.hex(),
                            {item.key: plain(item.value) for item in span.attributes},
                            resource,
                            span.status.code == Status.STATUS_CODE_ERROR,
                        )
                        for span in scope_spans.spans
                    )

    def processes(self) -> set[int]:
        """The process ids of every process that has sent spans."""
        with self.lock:
            return {span.resource["process.pid"] for span in self.spans}

    def wait_for(self, found: Callable[[list[Span]], bool]) -> list[Span]:
        """Every span received once ``found`` holds for them; the exporter sends them in batches."""
        deadline = time.monotonic() + EXPORT_WAIT_SECONDS
        while True:
            with self.lock:
                spans = list(self.spans)
            if found(spans):
                return spans
            assert time.monotonic() < deadline, f"the spans never arrived; received: {spans}"
            time.sleep(0.05)


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A running receiver, which the servers and workers that the test starts export their spans to."""
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", str(EXPORT_DELAY_MS))
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def recorded_spans(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    """The spans of the applications the test builds in this process, kept in memory as each ends: tracing as a
    server's worker has it once the standard variables are set, without an exporter's thread or a network."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing.configured, "tracer", provider.get_tracer(__name__))
    return exporter
