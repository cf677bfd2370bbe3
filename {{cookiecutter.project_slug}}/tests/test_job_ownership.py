"""Jobs belong to their principal as items do: two members against each other on every jobs operation, an admin who
sees every job, and a result made with admin rights that only an admin gets."""

import httpx2
from celery import Celery

from {{ cookiecutter.package_name }}.core.principals import Role
from {{ cookiecutter.package_name }}.jobs import job_url, result_url
from {{ cookiecutter.package_name }}.jobs.errors import ResultWithheldError
from {{ cookiecutter.package_name }}.jobs.models import JobStatus
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import sign_in, sign_in_admin
from .counting_job import counted
from .helpers import assert_problem
from .jobs import queue, wait_for
from .worker import Worker


def test_a_member_sees_only_their_own_jobs(
    client: httpx2.Client, anonymous_client: httpx2.Client, settings: Settings, broker: Celery, worker: Worker
) -> None:
    bob = sign_in(anonymous_client)
    adas_job = queue(client, settings, broker)
    wait_for(client, adas_job, JobStatus.SUCCEEDED)

    assert client.get(result_url(adas_job)).text == counted(3)
    for url in (job_url(adas_job), result_url(adas_job)):
        others = anonymous_client.get(url, headers=bob)
        missing = anonymous_client.get(url.replace(f"/{adas_job}", f"/{adas_job + 1000}"), headers=bob)
        assert_problem(others, 404)
        assert others.json()["title"] == missing.json()["title"]


def test_an_admin_sees_every_job(
    client: httpx2.Client, anonymous_client: httpx2.Client, settings: Settings, broker: Celery, worker: Worker
) -> None:
    admin = sign_in_admin(anonymous_client, settings)
    job_id = queue(client, settings, broker)
    wait_for(client, job_id, JobStatus.SUCCEEDED)

    assert anonymous_client.get(job_url(job_id), headers=admin).json()["status"] == JobStatus.SUCCEEDED
    assert anonymous_client.get(result_url(job_id), headers=admin).text == counted(3)


def test_a_job_queued_by_an_admin_withholds_its_result_from_them_once_they_are_a_member(
    client: httpx2.Client, anonymous_client: httpx2.Client, settings: Settings, broker: Celery, worker: Worker
) -> None:
    """The owner queued the job as an admin and lost the role before it ran (their job's row says so, whatever
    identity provider took the role away): it still runs with the rights it was queued with, and only an admin gets
    its result."""
    job_id = queue(client, settings, broker, role=Role.ADMIN)
    wait_for(client, job_id, JobStatus.SUCCEEDED)

    withheld = client.get(result_url(job_id))
    assert assert_problem(withheld, 403)["detail"] == ResultWithheldError().detail
    assert client.get(job_url(job_id)).json()["status"] == JobStatus.SUCCEEDED
    admin = sign_in_admin(anonymous_client, settings)
    assert anonymous_client.get(result_url(job_id), headers=admin).text == counted(3)


def test_every_jobs_operation_needs_a_caller(anonymous_client: httpx2.Client) -> None:
    for response in (anonymous_client.get(job_url(1)), anonymous_client.get(result_url(1))):
        assert_problem(response, 401)
