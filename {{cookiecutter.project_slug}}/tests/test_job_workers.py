"""Workers that fail or stop in the middle of a job, and a database that fails under one: nothing is lost and nothing
is done twice. Each test has workers and a queue of its own."""

import json
from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx2
import pytest
from sqlalchemy import insert, select

from {{ cookiecutter.package_name }}.core.models import utc_now
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.jobs import result_url
from {{ cookiecutter.package_name }}.jobs.models import JobStatus
from {{ cookiecutter.package_name }}.settings import Settings

from .helpers import create
from .jobs import export, job_row, read_rows, run_sql, wait_for
from .worker import Worker

MANY_ITEMS = 20_000
"""Enough items that an export runs in many batches, long enough to stop its worker in the middle."""
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
seconds rather than an hour, and the whole export has the time it needs on a busy machine (about 1 s on a quiet one;
over 4 s seen with coverage and another suite on the other core)."""


@pytest.fixture
def many_items(own_client: httpx2.Client, settings: Settings) -> int:
    """The client's items, most written straight to the database (the API would take minutes); their number."""
    first = create(own_client, ITEMS, name="item-0")
    [(owner,)] = read_rows(settings, select(Item.owner).where(Item.id == first["id"]))
    now = utc_now()
    rows = [
        {"owner": owner, "name": f"item-{number}", "quantity": number, "created_at": now, "updated_at": now}
        for number in range(1, MANY_ITEMS)
    ]
    run_sql(settings, insert(Item), rows=rows)
    return MANY_ITEMS


def assert_one_complete_export(client: httpx2.Client, job_id: int, count: int) -> None:
    lines = client.get(result_url(job_id)).text.splitlines()
    assert len(lines) == count
    assert [json.loads(line)["name"] for line in lines] == [f"item-{number}" for number in range(count)]


def test_a_job_whose_worker_is_killed_is_finished_once_by_another(
    own_client: httpx2.Client, settings: Settings, many_items: int, start_worker: Callable[..., Worker]
) -> None:
    lost = start_worker(**LOST_WORKER_LIMITS)
    job_id = export(own_client)["id"]
    wait_for(own_client, job_id, JobStatus.RUNNING, progress=1)
    lost.kill()
    assert job_row(settings, job_id)["status"] == JobStatus.RUNNING, "the export ended before its worker was killed"

    start_worker(**TAKING_OVER_LIMITS)
    wait_for(own_client, job_id, JobStatus.SUCCEEDED)
    assert job_row(settings, job_id)["deliveries"] == 2
    assert_one_complete_export(own_client, job_id, many_items)


def test_a_worker_asked_to_stop_finishes_its_job_first(
    own_client: httpx2.Client, settings: Settings, many_items: int, start_worker: Callable[..., Worker]
) -> None:
    worker = start_worker()
    job_id = export(own_client)["id"]
    wait_for(own_client, job_id, JobStatus.RUNNING, progress=1)

    worker.ask_to_stop()
    # The job cannot go back to running once it has ended: read after the signal, it was running when it came.
    assert job_row(settings, job_id)["status"] == JobStatus.RUNNING, "the export ended before its worker was told"
    assert worker.stopped() == 0
    row = job_row(settings, job_id)
    assert (row["status"], row["deliveries"]) == (JobStatus.SUCCEEDED, 1)
    assert_one_complete_export(own_client, job_id, many_items)


def test_a_job_that_runs_past_its_soft_time_limit_is_stopped_and_failed(
    own_client: httpx2.Client, settings: Settings, many_items: int, start_worker: Callable[..., Worker]
) -> None:
    start_worker(job_soft_time_limit="0.2", job_time_limit="10")
    job_id = export(own_client)["id"]

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
    start_worker: Callable[..., Worker],
    database_lock: Callable[[], AbstractContextManager[None]],
    logged_while_locked: str,
    outcome: JobStatus,
    error_title: str | None,
) -> None:
    job_id = export(own_client)["id"]
    with database_lock():
        worker = start_worker(database_statement_timeout="0.2")
        worker.wait_for_log(f"Job {job_id} {logged_while_locked}")

    job = wait_for(own_client, job_id, outcome)
    assert (job["error"] or {}).get("title") == error_title
    assert error_title is None or "database" in job["error"]["detail"]
