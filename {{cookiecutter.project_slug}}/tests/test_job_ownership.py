"""Jobs belong to their principal as items do: two members against each other on every jobs operation, an export
that holds its owner's items alone, an admin who sees every job, and a result made with admin rights that only an
admin gets."""

import json
from collections.abc import Callable

import httpx2
from sqlalchemy import update

from {{ cookiecutter.package_name }}.core.principals import Role
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.jobs import EXPORTS_URL, job_url, result_url
from {{ cookiecutter.package_name }}.jobs.errors import ResultWithheldError
from {{ cookiecutter.package_name }}.jobs.models import Job, JobStatus
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import sign_in, sign_in_admin
from .helpers import assert_problem, create
from .jobs import export, job_row, run_sql, wait_for
from .worker import Worker


def finished_export(client: httpx2.Client, headers: dict[str, str]) -> int:
    """The id of the member's export, once it has succeeded."""
    job_id: int = export(client, headers)["id"]
    wait_for(client, job_id, JobStatus.SUCCEEDED, headers=headers)
    return job_id


def exported_names(client: httpx2.Client, job_id: int, headers: dict[str, str]) -> list[str]:
    response = client.get(result_url(job_id), headers=headers)
    assert response.status_code == 200, response.text
    return [json.loads(line)["name"] for line in response.text.splitlines()]


def test_a_member_sees_only_their_own_jobs_and_exports_only_their_own_items(
    anonymous_client: httpx2.Client, worker: Worker
) -> None:
    ada, bob = sign_in(anonymous_client), sign_in(anonymous_client)
    for headers, name in ((ada, "Ada's widget"), (bob, "Bob's gadget")):
        assert anonymous_client.post(ITEMS, json={"name": name}, headers=headers).status_code == 201
    adas_job, bobs_job = finished_export(anonymous_client, ada), finished_export(anonymous_client, bob)

    assert exported_names(anonymous_client, adas_job, ada) == ["Ada's widget"]
    assert exported_names(anonymous_client, bobs_job, bob) == ["Bob's gadget"]
    for url in (job_url(adas_job), result_url(adas_job)):
        others = anonymous_client.get(url, headers=bob)
        missing = anonymous_client.get(url.replace(f"/{adas_job}", f"/{adas_job + 1000}"), headers=bob)
        assert_problem(others, 404)
        assert others.json()["title"] == missing.json()["title"]


def test_an_admin_sees_every_job(anonymous_client: httpx2.Client, settings: Settings, worker: Worker) -> None:
    ada, admin = sign_in(anonymous_client), sign_in_admin(anonymous_client, settings)
    assert anonymous_client.post(ITEMS, json={"name": "Widget"}, headers=ada).status_code == 201
    job_id = finished_export(anonymous_client, ada)

    assert anonymous_client.get(job_url(job_id), headers=admin).json()["status"] == JobStatus.SUCCEEDED
    assert exported_names(anonymous_client, job_id, admin) == ["Widget"]


def test_an_export_queued_by_an_admin_is_withheld_from_them_once_they_are_a_member(
    own_client: httpx2.Client, settings: Settings, start_worker: Callable[..., Worker]
) -> None:
    """The owner queued the export as an admin and lost the role before it ran (their job's row says so, whatever
    identity provider took the role away): it still runs with the rights it was queued with, and only an admin gets
    its result."""
    admin = sign_in_admin(own_client, settings)
    create(own_client, ITEMS, name="Ada's widget")
    assert own_client.post(ITEMS, json={"name": "Root's gadget"}, headers=admin).status_code == 201
    job_id = export(own_client)["id"]
    queued_as_admin = {**job_row(settings, job_id)["parameters"], "role": Role.ADMIN.value}
    run_sql(settings, update(Job).where(Job.id == job_id).values(parameters=queued_as_admin))

    start_worker()
    wait_for(own_client, job_id, JobStatus.SUCCEEDED)

    withheld = own_client.get(result_url(job_id))
    assert assert_problem(withheld, 403)["detail"] == ResultWithheldError().detail
    assert own_client.get(job_url(job_id)).json()["status"] == JobStatus.SUCCEEDED
    assert exported_names(own_client, job_id, admin) == ["Ada's widget", "Root's gadget"]


def test_every_jobs_operation_needs_a_caller(anonymous_client: httpx2.Client) -> None:
    for response in (
        anonymous_client.post(EXPORTS_URL, json={}),
        anonymous_client.get(job_url(1)),
        anonymous_client.get(result_url(1)),
    ):
        assert_problem(response, 401)
