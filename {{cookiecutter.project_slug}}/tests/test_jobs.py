"""The jobs' machinery against a real broker and real worker processes, on the tests' own kind of job: a job from
queue to result, its result's expiry, the broker down, a second delivery, too many, a kind no feature declares, the
sweep, and the worker's liveness and metrics."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx2
import pytest
from celery import Celery
from sqlalchemy import Connection, update
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.__main__ import main
from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.models import utc_now
from {{ cookiecutter.package_name }}.core.principals import Principal, Role
from {{ cookiecutter.package_name }}.jobs import RUN_JOB_TASK, job_url, result_url
from {{ cookiecutter.package_name }}.jobs.broker import create_celery, publish
from {{ cookiecutter.package_name }}.jobs.errors import BrokerUnavailableError
from {{ cookiecutter.package_name }}.jobs.kinds import job_kind, perform
from {{ cookiecutter.package_name }}.jobs.models import Job, JobStatus
from {{ cookiecutter.package_name }}.jobs.queries import Attempt, new_job
from {{ cookiecutter.package_name }}.settings import Settings

from .counting_job import COUNTING, MEDIA_TYPE, count, counted
from .helpers import assert_problem, samples
from .jobs import job_row, queue, run_sql, saved_job, wait_for
from .live_server import ENV_PREFIX, free_port, live_client
from .worker import Worker


def test_a_job_runs_on_a_worker_and_its_result_is_a_file_named_after_it(
    client: httpx2.Client, settings: Settings, broker: Celery, worker: Worker
) -> None:
    job_id = queue(client, settings, broker, steps=4)
    assert client.get(job_url(job_id)).json()["kind"] == COUNTING.name

    job = wait_for(client, job_id, JobStatus.SUCCEEDED)
    assert (job["kind"], job["progress"], job["error"]) == (COUNTING.name, 100, None)
    assert job["created_at"] <= job["started_at"] <= job["finished_at"] < job["expires_at"]
    result = client.get(result_url(job_id))
    assert result.status_code == 200
    assert result.headers["content-type"] == MEDIA_TYPE
    assert result.headers["content-disposition"] == f'attachment; filename="job-{job_id}.txt"'
    assert result.text == counted(4)


def test_a_result_is_404_until_the_job_succeeds_and_410_once_it_expired(
    own_client: httpx2.Client,
    own_broker: Celery,
    client: httpx2.Client,
    settings: Settings,
    broker: Celery,
    worker: Worker,
) -> None:
    # Queued where no worker takes it, then running and failed as a worker would record them.
    waiting = queue(own_client, settings, own_broker)
    for status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED):
        run_sql(settings, update(Job).where(Job.id == waiting).values(status=status))
        body = assert_problem(own_client.get(result_url(waiting)), 404)
        assert body["detail"] == f"Job {waiting} is {status}: it has no result."

    job_id = queue(client, settings, broker)
    wait_for(client, job_id, JobStatus.SUCCEEDED)
    assert client.get(result_url(job_id)).status_code == 200
    run_sql(settings, update(Job).where(Job.id == job_id).values(expires_at=utc_now() - timedelta(seconds=1)))
    assert_problem(client.get(result_url(job_id)), 410)


def test_with_the_broker_down_the_service_is_not_ready_and_takes_no_job(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings, client: httpx2.Client
) -> None:
    down = settings.model_copy(update={"broker_url": f"redis://127.0.0.1:{free_port()}/0"})

    assert assert_problem(make_client(down).get("/health/ready"), 503)
    assert client.get("/health/ready").json()["checks"]["broker"] == "ok"
    celery = create_celery(down)
    with pytest.raises(BrokerUnavailableError):
        publish(celery, 1)
    celery.close()


def test_a_second_delivery_of_a_finished_job_changes_nothing(
    client: httpx2.Client, settings: Settings, broker: Celery, worker: Worker
) -> None:
    job_id = queue(client, settings, broker)
    wait_for(client, job_id, JobStatus.SUCCEEDED)
    before = job_row(settings, job_id)

    delivery = broker.send_task(RUN_JOB_TASK, args=[job_id])
    worker.wait_for_log(f"[{delivery.id}] succeeded")
    assert job_row(settings, job_id) == before
    assert before["deliveries"] == 1


def test_a_job_started_too_often_fails(
    client: httpx2.Client, settings: Settings, broker: Celery, worker: Worker
) -> None:
    job_id = queue(client, settings, broker)
    wait_for(client, job_id, JobStatus.SUCCEEDED)
    run_sql(
        settings,
        update(Job)
        .where(Job.id == job_id)
        .values(status=JobStatus.RUNNING, deliveries=settings.job_max_deliveries, lease_until=utc_now()),
    )
    broker.send_task(RUN_JOB_TASK, args=[job_id])

    failed = wait_for(client, job_id, JobStatus.FAILED)
    assert failed["error"]["title"] == "Too many attempts"


def test_a_job_of_a_kind_that_no_feature_declares_fails(
    client: httpx2.Client, settings: Settings, broker: Celery, worker: Worker
) -> None:
    job_id = queue(client, settings, broker, kind="retired-kind")

    failed = wait_for(client, job_id, JobStatus.FAILED)
    assert failed["error"] == {
        "type": "about:blank",
        "title": "Unknown kind",
        "detail": "No kind of job is named 'retired-kind'.",
    }
    assert_problem(client.get(result_url(job_id)), 404)


def test_an_attempt_that_lost_its_lease_stops_at_its_next_progress_and_writes_nothing(settings: Settings) -> None:
    """A worker thought lost, whose job another worker has claimed since, learns it when it reports progress."""
    principal = Principal("someone", Role.MEMBER)
    job = new_job(principal, COUNTING.name, {"steps": 2, "pause": 0})
    job.status, job.deliveries = JobStatus.RUNNING, 2
    job_id = saved_job(settings, job)
    superseded = Attempt(job_id, 1, job.kind, job.parameters, principal)

    def perform_superseded(connection: Connection) -> None:
        with Session(connection) as session:
            perform(session, superseded, settings)

    database.run_on_connection(settings, perform_superseded)
    row = job_row(settings, job_id)
    assert (row["status"], row["progress"], row["result"]) == (JobStatus.RUNNING, 0, None)


def test_two_kinds_of_job_cannot_share_a_name() -> None:
    with pytest.raises(ValueError, match="Two kinds of job are named 'counting'"):
        job_kind(COUNTING.name, count, {})


def test_beat_sweeps_jobs_that_never_reached_the_broker_onto_it_and_deletes_expired_results(
    own_client: httpx2.Client,
    own_broker: Celery,
    settings: Settings,
    start_worker: Callable[..., Worker],
    start_beat: Callable[..., None],
) -> None:
    start_worker()
    expired = queue(own_client, settings, own_broker)
    wait_for(own_client, expired, JobStatus.SUCCEEDED)
    run_sql(settings, update(Job).where(Job.id == expired).values(expires_at=utc_now()))
    owner = job_row(settings, expired)["owner"]
    never_published = new_job(Principal(owner, Role.MEMBER), COUNTING.name, {"steps": 1, "pause": 0})
    never_published.created_at -= timedelta(seconds=settings.job_sweep_seconds + 1)
    swept = saved_job(settings, never_published)

    start_beat(job_sweep_seconds="1")

    assert wait_for(own_client, swept, JobStatus.SUCCEEDED)["progress"] == 100
    assert job_row(settings, expired)["result"] is None
    assert own_client.get(job_url(expired)).json()["status"] == JobStatus.SUCCEEDED


def test_the_worker_liveness_check_follows_its_heartbeat(worker: Worker, monkeypatch: pytest.MonkeyPatch) -> None:
    def alive(heartbeat_file: Path) -> int:
        """The exit status of ``python -m {{ cookiecutter.package_name }} worker-alive``, run in this process: every
        worker the tests start proves ``python -m`` already."""
        monkeypatch.setenv(f"{ENV_PREFIX}WORKER_HEARTBEAT_FILE", str(heartbeat_file))
        return main(["worker-alive"])

    assert alive(worker.heartbeat) == 0
    assert alive(worker.heartbeat.with_name("no-such-worker.alive")) == 1


def test_a_worker_serves_the_count_and_duration_of_its_job_attempts(
    own_client: httpx2.Client, own_broker: Celery, settings: Settings, start_worker: Callable[..., Worker]
) -> None:
    port = free_port()
    start_worker(metrics_port=str(port))

    wait_for(own_client, queue(own_client, settings, own_broker), JobStatus.SUCCEEDED)

    with live_client(f"http://127.0.0.1:{port}") as metrics_client:
        scraped = samples(metrics_client.get("/metrics").text)
    labels = frozenset({"kind": COUNTING.name, "outcome": "succeeded"}.items())
    assert scraped[("job_attempts_total", labels)] == 1
    assert scraped[("job_attempt_duration_seconds_count", labels)] == 1
