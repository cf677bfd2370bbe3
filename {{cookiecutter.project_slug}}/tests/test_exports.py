"""The items export, a kind of background job, against a real broker and a real worker: from request to result in
each format, the broker down, the trace from the request to the worker{% if cookiecutter.auth != "none" %}, and the items each caller may export{% endif %}."""

import csv
import io
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
from opentelemetry.proto.trace.v1.trace_pb2 import Span as SpanMessage
from sqlalchemy import func, select

from {{ cookiecutter.package_name }}.exports import URL
from {{ cookiecutter.package_name }}.exports.jobs import KIND
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.jobs import RUN_JOB_TASK, job_url, result_url
from {{ cookiecutter.package_name }}.jobs.models import Job, JobStatus
from {{ cookiecutter.package_name }}.settings import Settings
from {{ cookiecutter.package_name }}.web.idempotency import IDEMPOTENCY_KEY

from .auth import {% if cookiecutter.auth != "none" %}sign_in, sign_in_admin{% else %}sign_in{% endif %}
from .helpers import assert_problem, create
from .jobs import read_rows, wait_for
from .live_server import Launch, free_port, live_client
from .traces import Receiver
from .worker import Worker


def export(client: httpx2.Client, headers: dict[str, str] | None = None, **request: Any) -> dict[str, Any]:
    """Ask for an export, with the client's own headers or these; return the accepted job."""
    response = client.post(URL, json=request, headers=headers)
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    assert response.headers["Location"] == job_url(job["id"])
    return job


def test_an_export_runs_on_a_worker_and_its_result_holds_the_items(client: httpx2.Client, worker: Worker) -> None:
    items = [create(client, ITEMS, name=name, quantity=n) for n, name in enumerate(["Widget", "Gadget", "Gizmo"])]
    accepted = export(client)
    assert accepted["status"] == JobStatus.QUEUED
    assert accepted["kind"] == KIND.name

    job = wait_for(client, accepted["id"], JobStatus.SUCCEEDED)
    assert job["progress"] == 100
    result = client.get(result_url(job["id"]))
    assert result.status_code == 200
    assert result.headers["content-type"] == "application/jsonl"
    assert result.headers["content-disposition"] == f'attachment; filename="job-{job["id"]}.jsonl"'
    assert [json.loads(line) for line in result.text.splitlines()] == items


def test_a_csv_export_holds_the_matching_items_and_no_formula(client: httpx2.Client, worker: Worker) -> None:
    create(client, ITEMS, name="=HYPERLINK(1) widget", description='a, b and "c"')
    create(client, ITEMS, name="Gadget")
    job = wait_for(client, export(client, q="widget", format="csv")["id"], JobStatus.SUCCEEDED)

    result = client.get(result_url(job["id"]))
    assert result.headers["content-type"] == "text/csv; charset=utf-8"
    assert result.headers["content-disposition"] == f'attachment; filename="job-{job["id"]}.csv"'
    rows = list(csv.DictReader(io.StringIO(result.text)))
    assert [(row["name"], row["description"]) for row in rows] == [("'=HYPERLINK(1) widget", 'a, b and "c"')]


def test_with_the_broker_down_an_export_is_503_and_leaves_no_job(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings, client: httpx2.Client
) -> None:
    unreachable = make_client(settings.model_copy(update={"broker_url": f"redis://127.0.0.1:{free_port()}/0"}))
    unreachable.headers.update(client.headers)

    body = assert_problem(unreachable.post(URL, json={}), 503)
    assert "queue" in body["detail"]
    assert read_rows(settings, select(func.count()).select_from(Job)) == [(0,)]


def test_a_retried_export_with_the_same_key_is_the_same_job_run_once(
    client: httpx2.Client, worker: Worker, settings: Settings
) -> None:
    create(client, ITEMS, name="Widget")
    key = {IDEMPOTENCY_KEY: str(uuid.uuid4())}

    first = client.post(URL, json={"format": "csv"}, headers=key)
    job = wait_for(client, first.json()["id"], JobStatus.SUCCEEDED)
    retried = client.post(URL, json={"format": "csv"}, headers=key)

    assert first.status_code == retried.status_code == 202
    assert (retried.headers["location"], retried.content) == (first.headers["location"], first.content)
    assert client.get(job_url(job["id"])).json() == job
    assert read_rows(settings, select(func.count()).select_from(Job)) == [(1,)]
    assert_problem(client.post(URL, json={"format": "jsonl"}, headers=key), 422)


def test_with_the_broker_down_a_keyed_export_keeps_no_key_and_its_retry_is_queued(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings, client: httpx2.Client, worker: Worker
) -> None:
    unreachable = make_client(settings.model_copy(update={"broker_url": f"redis://127.0.0.1:{free_port()}/0"}))
    unreachable.headers.update(client.headers)
    key = {IDEMPOTENCY_KEY: str(uuid.uuid4())}

    assert_problem(unreachable.post(URL, json={}, headers=key), 503)
    accepted = client.post(URL, json={}, headers=key)

    assert accepted.status_code == 202
    assert wait_for(client, accepted.json()["id"], JobStatus.SUCCEEDED)["progress"] == 100
    assert read_rows(settings, select(func.count()).select_from(Job)) == [(1,)]


def test_an_export_continues_the_trace_of_the_request_that_queued_it(
    own_queue_settings: Settings, start_worker: Callable[..., Worker], receiver: Receiver, tmp_path: Path
) -> None:
    start_worker()
    launch = Launch(own_queue_settings, tmp_path, job_queue=own_queue_settings.job_queue)
    try:
        server = launch.ready()
        with live_client(server.base_url) as client:
            client.headers.update(sign_in(client))
            create(client, ITEMS, name="Traced")
            wait_for(client, export(client)["id"], JobStatus.SUCCEEDED)
        spans = receiver.wait_for(lambda spans: any(span.name == f"process {RUN_JOB_TASK}" for span in spans))
        assert server.terminate() == 0
    finally:
        launch.stop()

    (request,) = [span for span in spans if span.name == f"POST {URL}"]
    (published,) = [span for span in spans if span.name == f"publish {RUN_JOB_TASK}"]
    (processed,) = [span for span in spans if span.name == f"process {RUN_JOB_TASK}"]
    assert (published.kind, processed.kind) == (SpanMessage.SPAN_KIND_PRODUCER, SpanMessage.SPAN_KIND_CONSUMER)
    assert published.trace_id == processed.trace_id == request.trace_id
    assert published.parent_id == request.span_id
    assert processed.parent_id == published.span_id
    assert processed.resource["process.pid"] != request.resource["process.pid"]
{%- if cookiecutter.auth != "none" %}


def exported_names(client: httpx2.Client, headers: dict[str, str]) -> list[str]:
    """The names of the items in the caller's export, once it has succeeded."""
    job_id = export(client, headers)["id"]
    wait_for(client, job_id, JobStatus.SUCCEEDED, headers=headers)
    response = client.get(result_url(job_id), headers=headers)
    assert response.status_code == 200, response.text
    return [json.loads(line)["name"] for line in response.text.splitlines()]


def test_a_member_exports_only_their_own_items_and_an_admin_every_item(
    anonymous_client: httpx2.Client, settings: Settings, worker: Worker
) -> None:
    ada, bob = sign_in(anonymous_client), sign_in(anonymous_client)
    for headers, name in ((ada, "Ada's widget"), (bob, "Bob's gadget")):
        assert anonymous_client.post(ITEMS, json={"name": name}, headers=headers).status_code == 201

    assert exported_names(anonymous_client, ada) == ["Ada's widget"]
    assert exported_names(anonymous_client, bob) == ["Bob's gadget"]
    assert exported_names(anonymous_client, sign_in_admin(anonymous_client, settings)) == [
        "Ada's widget",
        "Bob's gadget",
    ]


def test_an_export_needs_a_caller(anonymous_client: httpx2.Client) -> None:
    assert_problem(anonymous_client.post(URL, json={}), 401)
{%- endif %}
