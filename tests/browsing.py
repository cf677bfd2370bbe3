"""What the browser tests share: a bake served by its production server, headless Chromium that reaches nothing but
that server, a watch on every request and console message of its pages, and screenshots.

Each bake is served by its production server (``python -m <package>``). Chromium reaches it under a host name that is
neither ``localhost`` nor an IP address, as a deployed service would be (Swagger UI treats local addresses specially),
and resolves that one name to 127.0.0.1 and every other name to nothing. Every request that leaves a page is routed
through the test: one to any other origin is recorded and aborted, and the test fails if there was any. A console error
(a content security policy violation is one), an uncaught script error or a failed request fails it too.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    sync_playwright,
)
from playwright.sync_api import (
    Error as PlaywrightError,
)

from .baking import bake, saved_answers
from .databases import scratch_database
from .servers import free_port, running
from .toolchain import Environments, missing_tool, run_checked

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"
"""Where the browser tests write their screenshots (the template's CI uploads ``artifacts/``)."""
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
"""Debian's Chromium (which ``.ci/setup chromium`` installs) or a browser like it, by name on PATH; Playwright
downloads none."""
SERVICE_HOST = "app.service.test"
"""The name Chromium opens the pages under; only it resolves, to 127.0.0.1."""
PROVIDER_HOST = "provider.service.test"
"""The name under which Chromium reaches an identity provider that the tests run on 127.0.0.1, for the pages that
send a browser there to sign in; it resolves too, and nothing else."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    f"--host-resolver-rules=MAP {SERVICE_HOST} 127.0.0.1, MAP {PROVIDER_HOST} 127.0.0.1, MAP * ~NOTFOUND",
]
START_TIMEOUT_SECONDS = 60
LOAD_ERROR = re.compile(r"Failed to load resource: the server responded with a status of (?P<status>\d+) \(.*\)")
"""How Chromium's console reports an answer with an error status."""
PAGE_TIMEOUT_MS = 20_000
"""The longest wait for one element; Swagger UI and ReDoc render in about a second when the machine is idle."""


@dataclass
class Traffic:
    """What the pages of one browser context asked for and reported, beyond what they should."""

    origin: str
    stopped_by_the_policy: frozenset[str] = frozenset()
    """Addresses of other origins that a page's scripts ask for and its content security policy stops: tolerated,
    and only while the policy stops them (the browser logs that as a console error, tolerated for these alone)."""
    provider: str | None = None
    """The origin of the identity provider that the pages send a browser to for signing in: the one other origin
    that a page may lead to, where there is one."""
    off_origin: dict[str, str] = field(default_factory=dict)
    """Each URL of another origin that a page asked for, and what became of the request."""
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    expected_errors: set[tuple[str, int]] = field(default_factory=set)
    """(URL, status) of answers with an error status that the test asked for, such as a form sent back with its
    errors: not failures."""

    def is_own(self, url: str) -> bool:
        # data: URLs never reach the network; a blob: URL names an object made by a page of this origin.
        own = (f"{self.origin}/", "data:", f"blob:{self.origin}/")
        return url.startswith(own if self.provider is None else (*own, f"{self.provider}/"))

    def expect_error(self, path: str, status: int) -> None:
        """Take an answer of this status from this path of the origin as asked for, not as a failure."""
        self.expected_errors.add((f"{self.origin}{path}", status))

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
        # A redirect (post/redirect/get) is no failure; an error status is, unless the test asked for it.
        if response.status >= 400 and (response.url, response.status) not in self.expected_errors:
            self.failed.append(f"{response.status} {response.request.method} {response.url}")

    def console(self, message: ConsoleMessage) -> None:
        url = message.location["url"]
        if message.type == "error" and not self.tolerated(message.text) and not self.asked_for(message.text, url):
            self.console_errors.append(f"{message.text} at {url}")

    def page_error(self, error: Exception) -> None:
        self.console_errors.append(f"uncaught: {error}")

    def tolerated(self, console_error: str) -> bool:
        """Whether the error is the browser's report of a known request that the security policy stopped."""
        return "Content Security Policy" in console_error and any(
            f"'{url}'" in console_error for url in self.stopped_by_the_policy
        )

    def asked_for(self, console_error: str, url: str) -> bool:
        """Whether the error is the browser's report of an error status that the test asked for."""
        status = LOAD_ERROR.fullmatch(console_error)
        return status is not None and (url, int(status["status"])) in self.expected_errors

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
            if not (url in self.stopped_by_the_policy and outcome == "stopped: csp")
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


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Chromium, headless, closed when the block ends."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_ARGS, timeout=PAGE_TIMEOUT_MS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@contextmanager
def watched_context(browser: Browser, traffic: Traffic, **options: Any) -> Iterator[Page]:
    """A page in a new browser context whose traffic is watched; when the block fails, what the browser reported is
    added to the failure, since a page that did not render often says why in its console or its failed requests."""
    context = browser.new_context(service_workers="block", **options)
    try:
        page = context.new_page()
        traffic.watch(context, page)
        yield page
    except Exception as failure:
        failure.add_note(f"what the browser reported:\n{traffic.problems() or 'nothing'}")
        raise
    finally:
        context.close()


@contextmanager
def screenshot_afterwards(page: Page, path: Path) -> Iterator[None]:
    """Save a full-page screenshot when the block ends, also when it failed, to see what the browser showed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        with suppress(PlaywrightError):  # the failure, not a screenshot of a crashed page, is what to report
            page.screenshot(path=path, full_page=True, timeout=PAGE_TIMEOUT_MS)
        raise
    page.screenshot(path=path, full_page=True, timeout=PAGE_TIMEOUT_MS)


def forget_screenshots(folder: Path, name: str) -> None:
    """Delete an earlier run's screenshots of this test: a page this run does not reach must not show its picture."""
    for earlier_screenshot in folder.glob(f"{name}-*.png"):
        earlier_screenshot.unlink()


def open_page(page: Page, url: str) -> None:
    """Load the page, which must come from the server on 127.0.0.1 and nowhere else."""
    response = page.goto(url)
    assert response is not None
    assert response.ok, f"{url} answered {response.status}"
    assert response.server_addr() == {"ipAddress": "127.0.0.1", "port": int(url.split(":")[2].split("/")[0])}


@dataclass(frozen=True)
class Served:
    """A bake, migrated and served by its production server on 127.0.0.1."""

    project: Path
    answers: dict[str, Any]
    """The answers saved in the bake."""
    python: str
    command: list[str]
    """``python -m <package>``, to which the bake's own commands (such as ``worker``) may be added."""
    env: dict[str, str]
    port: int

    @property
    def local_url(self) -> str:
        """The server, for the test's own requests."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        """The server, as Chromium reaches it."""
        return f"http://{SERVICE_HOST}:{self.port}"


@contextmanager
def served(
    cookies: Any,
    environments: Environments,
    answers: Mapping[str, Any],
    tmp_path: Path,
    settings: Mapping[str, str] | None = None,
) -> Iterator[Served]:
    """Bake with these answers, migrate a scratch database and run the production server on it, with these settings
    (by name, without the project's prefix), until the block ends."""
    project = bake(cookies, answers)
    saved = saved_answers(project)
    python = environments.sync(project, saved["framework"], saved["python_version"])
    port = free_port()
    prefix = saved["__env_prefix"]
    with scratch_database(saved["database"], tmp_path) as database_url:
        env = {**os.environ, f"{prefix}DATABASE_URL": database_url, f"{prefix}PORT": str(port)}
        env |= {f"{prefix}{name}": value for name, value in (settings or {}).items()}
        run_checked([python, "-m", "alembic", "upgrade", "head"], project, env)
        command = [python, "-m", saved["package_name"]]
        with running(command, project, env, port, tmp_path / "server.log", START_TIMEOUT_SECONDS):
            yield Served(project, saved, python, command, env, port)
