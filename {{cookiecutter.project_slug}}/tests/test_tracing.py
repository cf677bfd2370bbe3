"""OpenTelemetry traces, exported over OTLP/HTTP to a receiver of the test's own, which decodes what arrives.

A server of two workers is started with the standard ``OTEL_*`` variables pointing at the receiver: each request
gets a server span named by its route's template, each SQL statement a span beneath it, and the trace id reaches the
problem bodies and the log lines. The same holds in the test process, with the spans kept in memory.
"""

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span as SpanMessage
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from {{ cookiecutter.package_name }}.core.logging import flush_logs
from {{ cookiecutter.package_name }}.core.tracing import current_trace_id
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import sign_in
from .helpers import assert_problem, create
from .live_server import Launch, live_client
from .traces import Receiver, Span

ITEM = ITEMS + "/{item_id}"
BOTH_WORKERS_SECONDS = 20
HELD_SPANS_DELAY_MS = 3_600_000


def served(spans: list[Span]) -> set[tuple[str, str, str]]:
    """The server spans received, as (trace id, parent span id, method), with both left out for a POST."""
    servers = [span for span in spans if span.kind == SpanMessage.SPAN_KIND_SERVER]
    return {
        ("", "", "POST") if span.name.startswith("POST") else (span.trace_id, span.parent_id, span.name.split()[0])
        for span in servers
    }


def created_items(spans: list[Span]) -> int:
    return sum(span.name == f"POST {ITEMS}" for span in spans)


def test_tracing_is_off_without_an_endpoint(anonymous_client: httpx2.Client) -> None:
    body = assert_problem(anonymous_client.get("/no/such/page"), 404)

    assert body["trace_id"] is None
    assert current_trace_id() is None


SHOW_TRACING = """
from opentelemetry import trace

from {{ cookiecutter.package_name }}.core.tracing import configure_tracing

first, again = configure_tracing(), configure_tracing()
resource = getattr(trace.get_tracer_provider(), "resource", None)  # The SDK's provider has one, the default none.
print(first, again, resource and resource.attributes["service.name"])
"""


@pytest.mark.parametrize(
    ("variables", "shown"),
    [
        ({}, "False False None"),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, "True True {{ cookiecutter.package_name }}"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"}, "False False None"),
    ],
    ids=["no endpoint", "traces endpoint", "disabled"],
)
def test_tracing_is_set_up_once_a_process_as_the_standard_variables_say(variables: dict[str, str], shown: str) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("OTEL_")}
    output = subprocess.run(
        [sys.executable, "-c", SHOW_TRACING], env={**env, **variables}, capture_output=True, text=True, check=True
    ).stdout

    assert output.strip() == shown


def test_in_process_a_request_is_a_server_span_above_its_statements(
    make_client: Callable[[Settings], httpx2.Client],
    settings: Settings,
    recorded_spans: InMemorySpanExporter,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = make_client(settings)
    client.headers.update(sign_in(client))
    item = create(client, ITEMS, name="Traced")
    assert_problem(client.post(ITEMS, json={"name": "Traced"}), 409)
    caller_trace, caller_span = random.getrandbits(128), random.getrandbits(64)
    traceparent = {"traceparent": f"00-{caller_trace:032x}-{caller_span:016x}-01"}
    assert client.get(f"{ITEMS}/{item['id']}", headers=traceparent).status_code == 200
    missing = assert_problem(client.get(f"{ITEMS}/999999"), 404)
    flush_logs()

    spans = recorded_spans.get_finished_spans()
    (read,) = [span for span in spans if span.parent is not None and span.parent.span_id == caller_span]
    assert (read.name, read.kind) == (f"GET {ITEM}", SpanKind.SERVER)
    assert read.context.trace_id == caller_trace
    assert read.attributes == {
        "http.request.method": "GET",
        "http.route": ITEM,
        "url.path": f"{ITEMS}/{item['id']}",
        "http.response.status_code": 200,
    }
    statements = [span for span in spans if span.parent is not None and span.parent.span_id == read.context.span_id]
    # The rate limit's count comes first, with its purge of ended windows when it starts the caller's window.
    counted = [span.name for span in statements if span.name != "SELECT"]
    assert counted in (["INSERT"], ["INSERT", "DELETE"])
    assert len(statements) > len(counted)
    assert all(span.kind == SpanKind.CLIENT for span in statements)
    failed = [span for span in spans if span.name == "INSERT" and not span.status.is_ok]
    assert len(failed) == 1, "the duplicate name's INSERT failed in the database"
    logged = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert [line["trace_id"] for line in logged if line.get("path") == f"{ITEMS}/999999"] == [missing["trace_id"]]
    assert {format(span.context.trace_id, "032x") for span in spans} >= {missing["trace_id"]}


def test_a_stopping_server_exports_the_spans_it_still_holds(
    settings: Settings, tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch waits far longer than the test: only the export as the worker process ends can send the span."""
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", str(HELD_SPANS_DELAY_MS))
    trace_id = f"{random.getrandbits(128):032x}"
    launch = Launch(settings, tmp_path)
    try:
        server = launch.ready()
        with live_client(server.base_url) as client:
            traceparent = {"traceparent": f"00-{trace_id}-{random.getrandbits(64):016x}-01"}
            assert client.get("/health/live", headers=traceparent).status_code == 200
        assert server.terminate() == 0
    finally:
        launch.stop()

    receiver.wait_for(lambda spans: any(span.trace_id == trace_id for span in spans))


def test_a_request_is_a_server_span_above_its_statements_and_its_trace_id_is_everywhere(
    settings: Settings, tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "traced-service")
    caller_trace, caller_span = f"{random.getrandbits(128):032x}", f"{random.getrandbits(64):016x}"
    launch = Launch(settings, tmp_path, workers="2")
    try:
        server = launch.ready()
        with live_client(server.base_url, headers={"Connection": "close"}) as client:
            client.headers.update(sign_in(client))
            item = create(client, ITEMS, name="Traced")
            assert_problem(client.post(ITEMS, json={"name": "Traced"}), 409)
            traceparent = {"traceparent": f"00-{caller_trace}-{caller_span}-01"}
            assert client.get(f"{ITEMS}/{item['id']}", headers=traceparent).status_code == 200
            missing = assert_problem(client.get(f"{ITEMS}/999999"), 404)
            # Each request on a connection of its own, until both workers have exported spans.
            deadline = time.monotonic() + BOTH_WORKERS_SECONDS
            while len(receiver.processes()) < 2:
                assert time.monotonic() < deadline, f"only {receiver.processes()} exported spans"
                client.get("/health/live")
                time.sleep(0.01)
        # A request's span ends after its statements': once it has arrived, so have they (each worker sends its
        # spans in the order they ended, in batches of its own).
        requests = {(caller_trace, caller_span, "GET"), (missing["trace_id"], "", "GET"), ("", "", "POST")}
        spans = receiver.wait_for(lambda spans: served(spans) >= requests and created_items(spans) == 2)
        # Stopped as a platform stops it, the server exports what is left and writes its coverage.
        assert server.terminate() == 0
    finally:
        launch.stop()

    # The caller's trace goes on: the read is a server span beneath the caller's span, named by its route.
    (read,) = [span for span in spans if span.trace_id == caller_trace and span.parent_id == caller_span]
    assert read.name == f"GET {ITEM}"
    assert read.kind == SpanMessage.SPAN_KIND_SERVER
    assert read.attributes["http.route"] == ITEM
    assert read.attributes["http.response.status_code"] == 200
    assert read.resource["service.name"] == "traced-service"
    statements = [span for span in spans if span.parent_id == read.span_id]
    assert statements
    assert all(span.kind == SpanMessage.SPAN_KIND_CLIENT for span in statements)
    assert all(span.trace_id == caller_trace for span in statements)
    assert "SELECT" in {span.attributes["db.operation.name"] for span in statements}
    assert all(span.attributes["db.system.name"] == settings.database_url.split(":")[0] for span in statements)

    # Without a caller's trace, a request starts one; its problem body and its log line carry its id.
    (not_found,) = [span for span in spans if span.trace_id == missing["trace_id"] and not span.parent_id]
    assert not_found.name == f"GET {ITEM}"
    assert not_found.attributes["http.response.status_code"] == 404
    posts = [span for span in spans if span.name == f"POST {ITEMS}"]
    created, refused = sorted(posts, key=lambda span: span.attributes["http.response.status_code"])
    inserts = {span.parent_id: span for span in spans if span.attributes.get("db.operation.name") == "INSERT"}
    assert not inserts[created.span_id].failed
    assert inserts[refused.span_id].failed, "the duplicate name's INSERT failed in the database"
    logged = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]
    assert [line["trace_id"] for line in logged if line.get("path") == f"{ITEMS}/999999"] == [missing["trace_id"]]
