"""Jobs belong to their principal as items do: two members against each other on every jobs operation, an export
that holds its owner's items alone, and an admin who sees every job."""

import json

import httpx2

from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.jobs import EXPORTS_URL, job_url, result_url
from {{ cookiecutter.package_name }}.jobs.models import JobStatus
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import sign_in, sign_in_admin
from .helpers import assert_problem
from .jobs import export, wait_for
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


def test_every_jobs_operation_needs_a_caller(anonymous_client: httpx2.Client) -> None:
    for response in (
        anonymous_client.post(EXPORTS_URL, json={}),
        anonymous_client.get(job_url(1)),
        anonymous_client.get(result_url(1)),
    ):
        assert_problem(response, 401)
