"""Swagger UI and ReDoc of every framework and production server, rendered by headless Chromium with no network.

Each bake is served by its production server (``python -m <package>``). Chromium reaches it under a host name that is
neither ``localhost`` nor an IP address, as a deployed service would be (Swagger UI treats local addresses specially),
and resolves that one name to 127.0.0.1 and every other name to nothing. Every request that leaves the page is routed
through the test: one to any other origin is recorded and aborted, and the test fails if there was any. A console error
(a content security policy violation is one), an uncaught script error or a failed request fails it too. One known
request that the policy itself stops is tolerated, and only while the policy stops it (``STOPPED_BY_THE_POLICY``).

Full-page screenshots of both pages are written to ``artifacts/browser/`` (uploaded by the template's CI).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Request,
    Response,
    Route,
    expect,
    sync_playwright,
)
from playwright.sync_api import (
    Error as PlaywrightError,
)

from .baking import bake, saved_answers
from .combinations import BROWSER_ROWS, params
from .databases import scratch_database
from .servers import MEMBER, free_port, member_credentials, running, start, stop
from .toolchain import Environments, missing_tool, run_checked

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
"""Debian's Chromium (which ``.ci/run`` installs) or a browser like it, by name on PATH; Playwright downloads none."""
SERVICE_HOST = "docs.service.test"
"""The name Chromium opens the pages under; only it resolves, to 127.0.0.1."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    f"--host-resolver-rules=MAP {SERVICE_HOST} 127.0.0.1, MAP * ~NOTFOUND",
]
START_TIMEOUT_SECONDS = 60
PAGE_TIMEOUT_MS = 20_000
"""The longest wait for one element; Swagger UI and ReDoc render in about a second when the machine is idle."""

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
STOPPED_BY_THE_POLICY = {"https://cdn.redoc.ly/redoc/logo-mini.svg"}
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


@dataclass
class Traffic:
    """What the pages of one browser context asked for and reported, beyond what they should."""

    origin: str
    off_origin: dict[str, str] = field(default_factory=dict)
    """Each URL of another origin that a page asked for, and what became of the request."""
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def is_own(self, url: str) -> bool:
        # data: URLs never reach the network; a blob: URL names an object made by a page of this origin.
        return url.startswith((f"{self.origin}/", "data:", f"blob:{self.origin}/"))

    def route(self, route: Route) -> None:
        if self.is_own(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def request(self, request: Request) -> None:
        # Also sees what a page attempted but the content security policy stopped before any routing.
        if not self.is_own(request.url):
            self.off_origin[request.url] = "attempted"

    def request_failed(self, request: Request) -> None:
        if self.is_own(request.url):
            self.failed.append(f"{request.method} {request.url}: {request.failure}")
        else:
            self.off_origin[request.url] = f"stopped: {request.failure}"

    def response(self, response: Response) -> None:
        if not response.ok:
            self.failed.append(f"{response.status} {response.url}")

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not self.tolerated(message.text):
            self.console_errors.append(f"{message.text} at {message.location['url']}")

    def page_error(self, error: Exception) -> None:
        self.console_errors.append(f"uncaught: {error}")

    def tolerated(self, console_error: str) -> bool:
        """Whether the error is the browser's report of a known request that the security policy stopped."""
        return "Content Security Policy" in console_error and any(
            f"'{url}'" in console_error for url in STOPPED_BY_THE_POLICY
        )

    def watch(self, context: BrowserContext, page: Page) -> None:
        context.route("**/*", self.route)
        context.on("request", self.request)
        context.on("requestfailed", self.request_failed)
        context.on("response", self.response)
        page.on("console", self.console)
        page.on("pageerror", self.page_error)

    def problems(self) -> str:
        """Each request to another origin, failed request and console error, one a line; empty when there was none."""
        off_origin = [
            f"{url} ({outcome})"
            for url, outcome in self.off_origin.items()
            if not (url in STOPPED_BY_THE_POLICY and outcome == "stopped: csp")
        ]
        found = {"to another origin": off_origin, "failed": self.failed, "console error": self.console_errors}
        return "\n".join(f"{kind}: {entry}" for kind, entries in found.items() for entry in entries)


def chromium_executable() -> str:
    """The browser named by ``TEMPLATE_TEST_CHROMIUM``, or the first of ``CHROMIUM_NAMES`` found on PATH."""
    if chosen := os.environ.get("TEMPLATE_TEST_CHROMIUM"):
        return chosen
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    missing_tool("Chromium", "apt-get install chromium (.ci/run does), or set TEMPLATE_TEST_CHROMIUM to a Chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, headless, one per test process."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_ARGS, timeout=PAGE_TIMEOUT_MS
        )
        try:
            yield chromium
        finally:
            chromium.close()


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


@contextmanager
def screenshot_afterwards(page: Page, name: str) -> Iterator[None]:
    """Save a full-page screenshot when the block ends, also when it failed, to see what the browser showed."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    try:
        yield
    except BaseException:
        with suppress(PlaywrightError):  # the failure, not a screenshot of a crashed page, is what to report
            page.screenshot(path=path, full_page=True, timeout=PAGE_TIMEOUT_MS)
        raise
    page.screenshot(path=path, full_page=True, timeout=PAGE_TIMEOUT_MS)


def open_page(page: Page, url: str) -> None:
    """Load the page, which must come from the server on 127.0.0.1 and nowhere else."""
    response = page.goto(url)
    assert response is not None
    assert response.ok, f"{url} answered {response.status}"
    assert response.server_addr() == {"ipAddress": "127.0.0.1", "port": int(url.split(":")[2].split("/")[0])}


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
    for earlier_screenshot in ARTIFACTS.glob(f"{name}-*.png"):
        earlier_screenshot.unlink()  # a page this run does not reach must not show an earlier run's picture
    project = bake(cookies, answers)
    saved = saved_answers(project)
    python = environments.sync(project, saved["framework"], saved["python_version"])
    port = free_port()
    prefix = saved["__env_prefix"]

    jobs = saved["jobs"] == "celery"

    with scratch_database(saved["database"], tmp_path) as database_url:
        env = {**os.environ, f"{prefix}DATABASE_URL": database_url, f"{prefix}PORT": str(port)}
        env[f"{prefix}BROKER_URL"] = BROKER_URL
        run_checked([python, "-m", "alembic", "upgrade", "head"], project, env)
        command = [python, "-m", saved["package_name"]]
        with (
            running(command, project, env, port, tmp_path / "server.log", START_TIMEOUT_SECONDS),
            worker_if(jobs, [*command, "worker"], project, env, tmp_path),
        ):
            local_url = f"http://127.0.0.1:{port}"
            accounts = saved["auth"] == "accounts"
            headers = member_credentials(local_url) if accounts else {}
            assert httpx.post(f"{local_url}/api/v1/items", json={"name": "Widget"}, headers=headers).status_code == 201
            expected = OPERATIONS | (ACCOUNTS_OPERATIONS if accounts else set()) | (JOBS_OPERATIONS if jobs else set())
            operations = documented_operations(local_url, expected)

            origin = f"http://{SERVICE_HOST}:{port}"
            traffic = Traffic(origin)
            context = browser.new_context(service_workers="block", viewport={"width": 1280, "height": 900})
            try:
                page = context.new_page()
                traffic.watch(context, page)
                with screenshot_afterwards(page, f"{name}-docs"):
                    check_swagger_ui(page, origin, operations, sign_in=accounts)
                    if jobs:
                        check_export_in_swagger_ui(page, local_url, headers)
                with screenshot_afterwards(page, f"{name}-redoc"):
                    check_redoc(page, origin, operations)
            except Exception as failure:
                # A page that did not render often says why in its console or its failed requests.
                failure.add_note(f"what the browser reported:\n{traffic.problems() or 'nothing'}")
                raise
            finally:
                context.close()

    problems = traffic.problems()
    assert not problems, f"the docs pages of {name} went beyond the server or reported errors:\n{problems}"
