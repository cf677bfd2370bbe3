"""Background jobs against a real broker and a real worker process: the items export from request to result, its
formats and expiry, the broker down at enqueue, a second delivery, and the sweep."""

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta

import httpx2
from celery import Celery
from sqlalchemy import func, select, update

from {{ cookiecutter.package_name }}.core.models import utc_now
from {{ cookiecutter.package_name }}.core.principals import Principal, Role
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.jobs import EXPORTS_URL, RUN_JOB_TASK, result_url
from {{ cookiecutter.package_name }}.jobs.exports import KIND
from {{ cookiecutter.package_name }}.jobs.models import Job, JobStatus
from {{ cookiecutter.package_name }}.jobs.queries import new_job
from {{ cookiecutter.package_name }}.settings import Settings

from .helpers import assert_problem, create, samples
from .jobs import export, insert_job, job_row, read_rows, run_sql, wait_for
from .live_server import ENV_PREFIX, free_port, live_client
from .worker import Worker


def test_an_export_runs_on_a_worker_and_its_result_holds_the_items(client: httpx2.Client, worker: Worker) -> None:
    items = [create(client, ITEMS, name=name, quantity=n) for n, name in enumerate(["Widget", "Gadget", "Gizmo"])]
    accepted = export(client)
    assert accepted["status"] == JobStatus.QUEUED
    assert accepted["kind"] == KIND

    job = wait_for(client, accepted["id"], JobStatus.SUCCEEDED)
    assert job["progress"] == 100
    assert job["error"] is None
    assert job["created_at"] <= job["started_at"] <= job["finished_at"] < job["expires_at"]
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
    rows = list(csv.DictReader(io.StringIO(result.text)))
    assert [(row["name"], row["description"]) for row in rows] == [("'=HYPERLINK(1) widget", 'a, b and "c"')]


def test_a_result_is_404_until_the_job_succeeds_and_410_once_it_expired(
    own_client: httpx2.Client, client: httpx2.Client, settings: Settings, worker: Worker
) -> None:
    # Queued where no worker takes it, then running and failed as a worker would record them.
    waiting = export(own_client)["id"]
    for status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED):
        run_sql(settings, update(Job).where(Job.id == waiting).values(status=status))
        body = assert_problem(own_client.get(result_url(waiting)), 404)
        assert body["detail"] == f"Job {waiting} is {status}: it has no result."

    job = wait_for(client, export(client)["id"], JobStatus.SUCCEEDED)
    assert client.get(result_url(job["id"])).status_code == 200
    run_sql(settings, update(Job).where(Job.id == job["id"]).values(expires_at=utc_now() - timedelta(seconds=1)))
    assert_problem(client.get(result_url(job["id"])), 410)


def test_with_the_broker_down_an_export_is_503_and_leaves_no_job(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings, client: httpx2.Client
) -> None:
    unreachable = make_client(settings.model_copy(update={"broker_url": f"redis://127.0.0.1:{free_port()}/0"}))
    unreachable.headers.update(client.headers)

    body = assert_problem(unreachable.post(EXPORTS_URL, json={}), 503)
    assert "queue" in body["detail"]
    assert read_rows(settings, select(func.count()).select_from(Job)) == [(0,)]
    assert assert_problem(unreachable.get("/health/ready"), 503)
    assert client.get("/health/ready").json()["checks"]["broker"] == "ok"


def test_a_second_delivery_of_a_finished_job_changes_nothing(
    client: httpx2.Client, settings: Settings, broker: Celery, worker: Worker
) -> None:
    job = wait_for(client, export(client)["id"], JobStatus.SUCCEEDED)
    before = job_row(settings, job["id"])

    delivery = broker.send_task(RUN_JOB_TASK, args=[job["id"]])
    worker.wait_for_log(f"[{delivery.id}] succeeded")
    assert job_row(settings, job["id"]) == before
    assert before["deliveries"] == 1


def test_a_job_started_too_often_fails(
    client: httpx2.Client, settings: Settings, broker: Celery, worker: Worker
) -> None:
    job = export(client)
    wait_for(client, job["id"], JobStatus.SUCCEEDED)
    run_sql(
        settings,
        update(Job)
        .where(Job.id == job["id"])
        .values(status=JobStatus.RUNNING, deliveries=settings.job_max_deliveries, lease_until=utc_now()),
    )
    broker.send_task(RUN_JOB_TASK, args=[job["id"]])

    failed = wait_for(client, job["id"], JobStatus.FAILED)
    assert failed["error"]["title"] == "Too many attempts"


def test_beat_sweeps_jobs_that_never_reached_the_broker_onto_it_and_deletes_expired_results(
    own_client: httpx2.Client,
    settings: Settings,
    start_worker: Callable[..., Worker],
    start_beat: Callable[..., None],
) -> None:
    start_worker()
    expired = wait_for(own_client, export(own_client)["id"], JobStatus.SUCCEEDED)
    run_sql(settings, update(Job).where(Job.id == expired["id"]).values(expires_at=utc_now()))
    owner = read_rows(settings, select(Job.owner).where(Job.id == expired["id"]))[0][0]
    never_published = new_job(Principal(owner, Role.MEMBER), KIND, {"format": "jsonl"})
    never_published.created_at -= timedelta(seconds=settings.job_sweep_seconds + 1)
    run_sql(settings, insert_job(never_published))

    start_beat(job_sweep_seconds="1")

    swept = read_rows(settings, select(Job.id).where(Job.kind == KIND).order_by(Job.id))[-1][0]
    assert wait_for(own_client, swept, JobStatus.SUCCEEDED)["progress"] == 100
    assert job_row(settings, expired["id"])["result"] is None


def test_the_worker_liveness_check_follows_its_heartbeat(worker: Worker, tmp_path: object) -> None:
    def alive(heartbeat_file: str) -> int:
        env = {**os.environ, f"{ENV_PREFIX}WORKER_HEARTBEAT_FILE": heartbeat_file}
        command = [sys.executable, "-m", "{{ cookiecutter.package_name }}", "worker-alive"]
        return subprocess.run(command, env=env, check=False).returncode

    assert alive(str(worker.heartbeat)) == 0
    assert alive(str(worker.heartbeat.with_name("no-such-worker.alive"))) == 1


def test_a_worker_serves_the_count_and_duration_of_its_job_attempts(
    own_client: httpx2.Client, start_worker: Callable[..., Worker]
) -> None:
    port = free_port()
    start_worker(metrics_port=str(port))

    wait_for(own_client, export(own_client)["id"], JobStatus.SUCCEEDED)

    with live_client(f"http://127.0.0.1:{port}") as metrics_client:
        scraped = samples(metrics_client.get("/metrics").text)
    labels = frozenset({"kind": KIND, "outcome": "succeeded"}.items())
    assert scraped[("job_attempts_total", labels)] == 1
    assert scraped[("job_attempt_duration_seconds_count", labels)] == 1
