"""Workers that fail or stop in the middle of a job, and a database that fails under one: nothing is lost and nothing
is done twice. Each test has workers and a queue of its own."""

from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx2
import pytest
from celery import Celery

from {{ cookiecutter.package_name }}.jobs import result_url
from {{ cookiecutter.package_name }}.jobs.models import JobStatus
from {{ cookiecutter.package_name }}.settings import Settings

from .counting_job import counted
from .jobs import job_row, queue, wait_for
from .worker import Worker

STEPS, PAUSE = 100, 0.02
"""A count of many steps, long enough to stop its worker in the middle (about 2 s)."""
LOST_WORKER_LIMITS = {
    "job_soft_time_limit": "2",
    "job_time_limit": "3",
    "broker_visibility_timeout": "4",
}
"""A worker to be killed in the middle of a job: the lease it takes on the job ends seconds after the job started (its
hard limit and a margin) rather than an hour."""
TAKING_OVER_LIMITS = {
    "job_soft_time_limit": "6",
    "job_time_limit": "7",
    "broker_visibility_timeout": "8",
    "broker_restore_interval": "1",
}
"""The worker that takes the lost job over: Redis gives it the job once unacknowledged for its visibility timeout,
seconds rather than an hour, and the whole count has the time it needs on a busy machine (about 2 s on a quiet
one)."""


def queue_long_count(client: httpx2.Client, settings: Settings, celery: Celery) -> int:
    return queue(client, settings, celery, steps=STEPS, pause=PAUSE)


def assert_one_complete_count(client: httpx2.Client, job_id: int) -> None:
    assert client.get(result_url(job_id)).text == counted(STEPS)


def test_a_job_whose_worker_is_killed_is_finished_once_by_another(
    own_client: httpx2.Client, own_broker: Celery, settings: Settings, start_worker: Callable[..., Worker]
) -> None:
    lost = start_worker(**LOST_WORKER_LIMITS)
    job_id = queue_long_count(own_client, settings, own_broker)
    wait_for(own_client, job_id, JobStatus.RUNNING, progress=1)
    lost.kill()
    assert job_row(settings, job_id)["status"] == JobStatus.RUNNING, "the job ended before its worker was killed"

    start_worker(**TAKING_OVER_LIMITS)
    wait_for(own_client, job_id, JobStatus.SUCCEEDED)
    assert job_row(settings, job_id)["deliveries"] == 2
    assert_one_complete_count(own_client, job_id)


def test_a_worker_asked_to_stop_finishes_its_job_first(
    own_client: httpx2.Client, own_broker: Celery, settings: Settings, start_worker: Callable[..., Worker]
) -> None:
    worker = start_worker()
    job_id = queue_long_count(own_client, settings, own_broker)
    wait_for(own_client, job_id, JobStatus.RUNNING, progress=1)

    worker.ask_to_stop()
    # The job cannot go back to running once it has ended: read after the signal, it was running when it came.
    assert job_row(settings, job_id)["status"] == JobStatus.RUNNING, "the job ended before its worker was told"
    assert worker.stopped() == 0
    row = job_row(settings, job_id)
    assert (row["status"], row["deliveries"]) == (JobStatus.SUCCEEDED, 1)
    assert_one_complete_count(own_client, job_id)


def test_a_job_that_runs_past_its_soft_time_limit_is_stopped_and_failed(
    own_client: httpx2.Client, own_broker: Celery, settings: Settings, start_worker: Callable[..., Worker]
) -> None:
    start_worker(job_soft_time_limit="0.2", job_time_limit="10")
    job_id = queue_long_count(own_client, settings, own_broker)

    job = wait_for(own_client, job_id, JobStatus.FAILED, JobStatus.SUCCEEDED)
    assert (job["error"]["title"], job["error"]["detail"]) == ("Timed out", "The job ran for longer than 0.2 s."), job
    assert job_row(settings, job_id)["result"] is None


@pytest.mark.parametrize(
    ("logged_while_locked", "outcome", "error_title"),
    [
        pytest.param("will be retried (1 of 2)", JobStatus.SUCCEEDED, None, id="the-database-comes-back"),
        pytest.param("failed after 2 retries", JobStatus.FAILED, "Service Unavailable", id="it-stays-down"),
    ],
)
def test_a_transient_database_failure_is_retried_and_then_fails_the_job_with_the_reason(
    own_client: httpx2.Client,
    own_broker: Celery,
    settings: Settings,
    start_worker: Callable[..., Worker],
    database_lock: Callable[[], AbstractContextManager[None]],
    logged_while_locked: str,
    outcome: JobStatus,
    error_title: str | None,
) -> None:
    job_id = queue(own_client, settings, own_broker)
    with database_lock():
        worker = start_worker(database_statement_timeout="0.2")
        worker.wait_for_log(f"Job {job_id} {logged_while_locked}")

    job = wait_for(own_client, job_id, outcome)
    assert (job["error"] or {}).get("title") == error_title
    assert error_title is None or "database" in job["error"]["detail"]
