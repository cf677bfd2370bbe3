"""A job's trace: the request that queues it, the message that carries it and the worker process that runs it, one
trace in which each is beneath the one before, exported by the server and the worker to the tests' receiver."""

import signal
from collections.abc import Callable
from pathlib import Path

import httpx2
from opentelemetry.proto.trace.v1.trace_pb2 import Span as SpanMessage
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.jobs import EXPORTS_URL, RUN_JOB_TASK
from {{ cookiecutter.package_name }}.jobs.models import JobStatus
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import sign_in
from .helpers import create
from .jobs import export, wait_for
from .live_server import Launch, live_client
from .traces import Receiver, Span
from .worker import Worker


def only(spans: list[Span], name: str) -> Span:
    (span,) = [span for span in spans if span.name == name]
    return span


def test_in_process_queueing_a_job_is_a_producer_span_beneath_the_request(
    own_client: httpx2.Client, recorded_spans: InMemorySpanExporter
) -> None:
    export(own_client)

    spans = recorded_spans.get_finished_spans()
    (request,) = [span for span in spans if span.name == f"POST {EXPORTS_URL}"]
    (published,) = [span for span in spans if span.name == f"publish {RUN_JOB_TASK}"]
    assert published.kind == SpanKind.PRODUCER
    assert published.parent is not None
    assert published.parent.span_id == request.context.span_id


def test_a_job_continues_the_trace_of_the_request_that_queued_it(
    own_queue_settings: Settings, start_worker: Callable[..., Worker], receiver: Receiver, tmp_path: Path
) -> None:
    start_worker()
    launch = Launch(own_queue_settings, tmp_path, job_queue=own_queue_settings.job_queue)
    try:
        with live_client(launch.ready().base_url) as client:
            client.headers.update(sign_in(client))
            create(client, ITEMS, name="Traced")
            job = wait_for(client, export(client)["id"], JobStatus.SUCCEEDED)
        spans = receiver.wait_for(lambda spans: any(span.name == f"process {RUN_JOB_TASK}" for span in spans))
        launch.process.send_signal(signal.SIGTERM)
        assert launch.process.wait(timeout=30) == 0
    finally:
        launch.stop()

    request = only(spans, f"POST {EXPORTS_URL}")
    published = only(spans, f"publish {RUN_JOB_TASK}")
    processed = only(spans, f"process {RUN_JOB_TASK}")
    assert (published.kind, processed.kind) == (SpanMessage.SPAN_KIND_PRODUCER, SpanMessage.SPAN_KIND_CONSUMER)
    assert published.trace_id == processed.trace_id == request.trace_id
    assert published.parent_id == request.span_id
    assert processed.parent_id == published.span_id
    assert processed.resource["process.pid"] != request.resource["process.pid"]
    statements = [span for span in spans if span.parent_id == processed.span_id]
    assert {"SELECT", "UPDATE"} <= {span.attributes["db.operation.name"] for span in statements}
    assert job["status"] == JobStatus.SUCCEEDED
