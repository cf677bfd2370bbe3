"""A job's trace: the message that carries it and the worker process that runs it, one trace in which the worker's
span is beneath the span that published the job, and the job's statements beneath the worker's."""

from collections.abc import Callable

import httpx2
from celery import Celery
from opentelemetry.proto.trace.v1.trace_pb2 import Span as SpanMessage
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id

from {{ cookiecutter.package_name }}.jobs import RUN_JOB_TASK
from {{ cookiecutter.package_name }}.jobs.models import JobStatus
from {{ cookiecutter.package_name }}.settings import Settings

from .jobs import queue, wait_for
from .traces import Receiver
from .worker import Worker


def test_a_job_continues_the_trace_that_published_it(
    own_client: httpx2.Client,
    own_broker: Celery,
    settings: Settings,
    start_worker: Callable[..., Worker],
    receiver: Receiver,
    recorded_spans: InMemorySpanExporter,
) -> None:
    start_worker()
    job_id = queue(own_client, settings, own_broker)
    wait_for(own_client, job_id, JobStatus.SUCCEEDED)

    spans = receiver.wait_for(lambda spans: any(span.name == f"process {RUN_JOB_TASK}" for span in spans))
    (published,) = [span for span in recorded_spans.get_finished_spans() if span.name == f"publish {RUN_JOB_TASK}"]
    (processed,) = [span for span in spans if span.name == f"process {RUN_JOB_TASK}"]
    assert (published.kind, processed.kind) == (SpanKind.PRODUCER, SpanMessage.SPAN_KIND_CONSUMER)
    assert processed.trace_id == format_trace_id(published.context.trace_id)
    assert processed.parent_id == format_span_id(published.context.span_id)
    statements = [span for span in spans if span.parent_id == processed.span_id]
    assert {"SELECT", "UPDATE"} <= {span.attributes["db.operation.name"] for span in statements}
