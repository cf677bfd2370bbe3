"""Swagger UI and ReDoc of every framework and production server, rendered by headless Chromium with no network.

The harness (``browsing.py``) serves each bake with its production server, lets Chromium reach that server alone, and
fails the test on a request to another origin, a console error or a failed request. One known request that the
policy itself stops is tolerated, and only while the policy stops it (``STOPPED_BY_THE_POLICY``).

Full-page screenshots of both pages are written to ``artifacts/browser/`` (uploaded by the template's CI).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .browsing import (
    ARTIFACTS,
    PAGE_TIMEOUT_MS,
    START_TIMEOUT_SECONDS,
    Traffic,
    forget_screenshots,
    open_page,
    screenshot_afterwards,
    served,
    watched_context,
)
from .combinations import BROWSER_ROWS, params
from .servers import MEMBER, member_credentials, start, stop
from .toolchain import Environments, run_checked

OPERATIONS = {
    ("get", "/health/live"),
    ("get", "/health/ready"),
    ("get", "/api/v1/items"),
    ("post", "/api/v1/items"),
    ("get", "/api/v1/items/{item_id}"),
    ("patch", "/api/v1/items/{item_id}"),
    ("delete", "/api/v1/items/{item_id}"),
}
"""Every operation of the contract, as (method, path); both pages must show each one."""
ACCOUNTS_OPERATIONS = {
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/token"),
    ("post", "/api/v1/auth/revoke"),
    ("post", "/api/v1/auth/password-reset"),
    ("post", "/api/v1/auth/password-reset/confirm"),
    ("post", "/api/v1/auth/verify-email"),
    ("post", "/api/v1/auth/verify-email/resend"),
    ("get", "/api/v1/users/me"),
    ("post", "/api/v1/users/me/password"),
    ("post", "/api/v1/users/me/delete"),
    ("get", "/api/v1/users"),
    ("get", "/api/v1/users/{user_id}"),
    ("patch", "/api/v1/users/{user_id}"),
    ("delete", "/api/v1/users/{user_id}"),
}
"""What ``auth=accounts`` adds to the contract."""
JOBS_OPERATIONS = {
    ("post", "/api/v1/items/exports"),
    ("get", "/api/v1/jobs/{job_id}"),
    ("get", "/api/v1/jobs/{job_id}/result"),
}
"""What ``jobs=celery`` adds to the contract."""
JOBS_BAKE = pytest.param({"framework": "flask", "jobs": "celery"}, id="flask-jobs")
"""A bake with jobs, whose export a user runs from Swagger UI, with a real worker behind the server."""
BROKER_URL = "redis://127.0.0.1:6379/15"
"""The jobs bake's broker: a Redis database that no bake's suite uses (test_bake.py), emptied before and after."""
STOPPED_BY_THE_POLICY = frozenset({"https://cdn.redoc.ly/redoc/logo-mini.svg"})
"""Addresses of other origins that the docs' scripts ask for and the content security policy stops in the browser.

ReDoc 2 always shows Redocly's logo beside "API docs by Redocly" at the foot of its menu, from this CDN address, and
has no option to leave it out. The policy's ``img-src`` blocks it before any request is made (the browser logs that as
an error, tolerated here for this address alone), and ReDoc then shows the link text alone. The test still fails if
this request is not stopped by the policy, or if any other origin is asked for.
"""


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    tag: str


def documented_operations(base_url: str, expected: set[tuple[str, str]]) -> list[Operation]:
    """The operations of the served OpenAPI document, which must be exactly those expected."""
    document: dict[str, Any] = httpx.get(f"{base_url}/openapi.json").raise_for_status().json()
    operations = [
        Operation(method, path, operation["operationId"], operation["summary"], operation["tags"][0])
        for path, path_item in document["paths"].items()
        for method, operation in path_item.items()
    ]
    assert {(operation.method, operation.path) for operation in operations} == expected
    return operations


def authorize(page: Page) -> None:
    """Sign in through Swagger UI's "Authorize" dialog: the OAuth 2.0 password flow against the token endpoint."""
    page.locator(".auth-wrapper .btn.authorize").click()
    dialog = page.locator(".modal-ux")
    dialog.locator("#oauth_username").fill(MEMBER["email"])
    dialog.locator("#oauth_password").fill(MEMBER["password"])
    dialog.locator(".auth-btn-wrapper .btn.modal-btn.authorize").click()
    # Swagger UI names these buttons by their aria-label ("Remove authorization", "Close this dialog").
    expect(dialog.locator("button", has_text="Logout")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    dialog.locator("button", has_text="Close").click()


def try_it_out(
    page: Page, method: str, path: str, body: str | None = None, parameters: dict[str, str] | None = None
) -> Locator:
    """Run an operation with "Try it out" (with this JSON body and these parameters), and return its live response."""
    block = page.locator(f".opblock-{method}").filter(has=page.locator(f".opblock-summary-path[data-path='{path}']"))
    block.locator(".opblock-summary-control").click()
    block.get_by_role("button", name="Try it out").click()
    if body is not None:
        block.locator("textarea.body-param__text").fill(body)
    for name, value in (parameters or {}).items():
        block.locator(f"tr[data-param-name='{name}'] input").fill(value)
    block.get_by_role("button", name="Execute").click()
    return block.locator(".live-responses-table .response")


def check_swagger_ui(page: Page, origin: str, operations: list[Operation], *, sign_in: bool) -> None:
    """Every operation is listed; after signing in where the API asks for it, "Try it out" creates an item and lists
    the items, with live answers from the server."""
    open_page(page, f"{origin}/docs")
    for operation in operations:
        summary = page.locator(f".opblock-{operation.method} .opblock-summary-path[data-path='{operation.path}']")
        expect(summary).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    if sign_in:
        authorize(page)

    created = try_it_out(page, "post", "/api/v1/items", '{"name": "Gadget"}')
    expect(created.locator(".response-col_status")).to_have_text("201", timeout=PAGE_TIMEOUT_MS)
    listed = try_it_out(page, "get", "/api/v1/items")
    expect(listed.locator(".response-col_status")).to_have_text("200", timeout=PAGE_TIMEOUT_MS)
    body = listed.locator(".response-col_description .highlight-code")
    expect(body).to_contain_text('"items"', timeout=PAGE_TIMEOUT_MS)
    expect(body).to_contain_text('"Widget"', timeout=PAGE_TIMEOUT_MS)
    expect(body).to_contain_text('"Gadget"', timeout=PAGE_TIMEOUT_MS)


def check_export_in_swagger_ui(page: Page, local_url: str, headers: dict[str, str]) -> None:
    """Ask for a CSV export with "Try it out", follow the job a worker runs, and download its result as a file."""
    accepted = try_it_out(page, "post", "/api/v1/items/exports", '{"format": "csv"}')
    expect(accepted.locator(".response-col_status")).to_have_text("202", timeout=PAGE_TIMEOUT_MS)
    accepted_body = accepted.locator(".response-col_description .highlight-code")
    expect(accepted_body).to_contain_text('"queued"', timeout=PAGE_TIMEOUT_MS)
    found = re.search(r'"id": (\d+)', accepted_body.inner_text())
    assert found, accepted_body.inner_text()
    job_id = found[1]
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while httpx.get(f"{local_url}/api/v1/jobs/{job_id}", headers=headers).json()["status"] != "succeeded":
        assert time.monotonic() < deadline, "the worker did not finish the export"
        time.sleep(0.1)

    job = try_it_out(page, "get", "/api/v1/jobs/{job_id}", parameters={"job_id": job_id})
    expect(job.locator(".response-col_status")).to_have_text("200", timeout=PAGE_TIMEOUT_MS)
    expect(job.locator(".response-col_description")).to_contain_text('"succeeded"', timeout=PAGE_TIMEOUT_MS)
    result = try_it_out(page, "get", "/api/v1/jobs/{job_id}/result", parameters={"job_id": job_id})
    expect(result.locator(".response-col_status")).to_have_text("200", timeout=PAGE_TIMEOUT_MS)
    expect(result.locator(".response-col_description")).to_contain_text(f"job-{job_id}.csv", timeout=PAGE_TIMEOUT_MS)
    with page.expect_download(timeout=PAGE_TIMEOUT_MS) as downloading:
        result.get_by_role("link", name="Download file").click()
    download = downloading.value
    assert download.suggested_filename == f"job-{job_id}.csv"
    assert "Gadget" in Path(download.path()).read_text(encoding="utf-8")


def check_redoc(page: Page, origin: str, operations: list[Operation]) -> None:
    """Every operation is in the menu, by its summary and method, and in the content, by its summary and path."""
    open_page(page, f"{origin}/redoc")
    for operation in operations:
        operation_key = f"tag/{operation.tag}/operation/{operation.operation_id}"
        menu_item = page.locator(f"li[role=menuitem][data-item-id='{operation_key}']")
        expect(menu_item).to_have_attribute("aria-label", operation.summary, timeout=PAGE_TIMEOUT_MS)
        expect(menu_item.locator(f".operation-type.{operation.method}")).to_have_count(1, timeout=PAGE_TIMEOUT_MS)
        section = page.locator(f"[id='{operation_key}']")
        expect(section.locator("h2")).to_have_text(operation.summary, timeout=PAGE_TIMEOUT_MS)
        endpoint = section.locator("button", has=page.locator(f".http-verb.{operation.method}"))
        expect(endpoint).to_contain_text(operation.path, timeout=PAGE_TIMEOUT_MS)
    # ReDoc renders the menu before it has loaded everything a page may fetch: let it settle before judging the traffic.
    page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)


@contextmanager
def worker_if(wanted: bool, command: list[Any], project: Path, env: dict[str, str], tmp_path: Path) -> Iterator[None]:
    """A real worker beside the server when the bake has jobs, on its Redis database, emptied before and after."""
    if not wanted:
        yield
        return
    empty = [command[0], "-c", f"import redis; redis.Redis.from_url({BROKER_URL!r}).flushdb()"]
    run_checked(empty, project, env)
    worker = start(command, project, env, tmp_path / "worker.log")
    try:
        yield
    finally:
        stop(worker)
        run_checked(empty, project, env)


@pytest.mark.slow
@pytest.mark.parametrize("answers", [*params(BROWSER_ROWS), JOBS_BAKE])
def test_docs_render_and_try_it_out_works_with_no_network(
    cookies: Any,
    environments: Environments,
    browser: Browser,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    answers: dict[str, Any],
) -> None:
    name = request.node.callspec.id
    forget_screenshots(ARTIFACTS, name)
    with served(cookies, environments, answers, tmp_path, {"BROKER_URL": BROKER_URL}) as server:
        saved = server.answers
        jobs = saved["jobs"] == "celery"
        with worker_if(jobs, [*server.command, "worker"], server.project, server.env, tmp_path):
            accounts = saved["auth"] == "accounts"
            headers = member_credentials(server.local_url) if accounts else {}
            created = httpx.post(f"{server.local_url}/api/v1/items", json={"name": "Widget"}, headers=headers)
            assert created.status_code == 201
            expected = OPERATIONS | (ACCOUNTS_OPERATIONS if accounts else set()) | (JOBS_OPERATIONS if jobs else set())
            operations = documented_operations(server.local_url, expected)

            traffic = Traffic(server.origin, STOPPED_BY_THE_POLICY)
            with watched_context(browser, traffic, viewport={"width": 1280, "height": 900}) as page:
                with screenshot_afterwards(page, ARTIFACTS / f"{name}-docs.png"):
                    check_swagger_ui(page, server.origin, operations, sign_in=accounts)
                    if jobs:
                        check_export_in_swagger_ui(page, server.local_url, headers)
                with screenshot_afterwards(page, ARTIFACTS / f"{name}-redoc.png"):
                    check_redoc(page, server.origin, operations)

    problems = traffic.problems()
    assert not problems, f"the docs pages of {name} went beyond the server or reported errors:\n{problems}"
