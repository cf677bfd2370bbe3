"""The production command, ``python -m {{ cookiecutter.package_name }}``, on a free port, with the run's database.

One server answers every test that leaves it running; each test that stops its server gets one of its own. All of
them are started in the background as the run begins, so that they start while the in-process tests run.

Also a raw HTTP exchange, for the requests that an HTTP client refuses to send.
"""

import http.client
import os
import signal
import socket
import ssl
import string
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

import httpx2
import pytest

from {{ cookiecutter.package_name }}.settings import Settings

from .auth import TEST_SETTINGS

ENV_PREFIX = "{{ cookiecutter.__env_prefix }}"
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 20
"""Time for a server to stop after SIGTERM: well within its grace period, after which granian would kill a worker."""
ANSWER_TIMEOUT_SECONDS = 10
SHARED_BODY_LIMIT = 256 * 1024
"""The shared server's body limit, smaller than the default: room for the deeply nested body of the odd requests,
and little enough to send a body over it quickly."""

COVERAGE_VARIABLES = {"COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START"}
"""What makes coverage measure a Python subprocess."""


class Server(NamedTuple):
    """A running server: its process, its base URL, and the file that receives its standard error (its log)."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def terminate(self) -> int:
        """Stop the server as a platform does, with SIGTERM, and return its exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.stopped()

    def stopped(self) -> int:
        """The exit status of a server that was sent SIGTERM, once it has stopped.

        A server still running after ``STOP_TIMEOUT_SECONDS`` fails the test with its log, which then holds the
        stack of every thread of its processes: Python's fault handler writes them on SIGABRT.
        """
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGABRT)
            self.process.wait()
            log = self.log.read_text()
            pytest.fail(f"the server did not stop within {STOP_TIMEOUT_SECONDS} s of SIGTERM; its log:\n{log}")


@cache
def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def live_client(base_url: str, **options: Any) -> httpx2.Client:
    """An httpx client of a live server. The clients share one TLS context, though the servers speak plain HTTP:
    httpx makes one for each client, and loading the system's certificates takes about 40 ms each time."""
    return httpx2.Client(base_url=base_url, verify=tls_context(), **options)


def counting_workers(metrics_folder: Path) -> set[str]:
    """The process ids of a server's workers that have counted a request, from their metrics files' names."""
    return {path.stem.rpartition("_")[2] for path in metrics_folder.glob("counter_*.db")}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Launch:
    """A server process started on a free port, which may not answer yet."""

    def __init__(
        self,
        settings: Settings,
        cwd: Path,
        *,
        measured: bool = True,
        arguments: Sequence[str] = (),
        more_overrides: Mapping[str, str | None] | None = None,
        **overrides: str | None,
    ) -> None:
        """Serve the settings' database, or run another command of the package's (``arguments``), with settings
        overridden through their environment variables (None leaves one unset); a server that is not ``measured``
        runs without coverage."""
        overrides = {**overrides, **(more_overrides or {})}
        self.port = free_port()
        inherited = {name: value for name, value in os.environ.items() if measured or name not in COVERAGE_VARIABLES}
        changed = {f"{ENV_PREFIX}{name.upper()}": value for name, value in {**TEST_SETTINGS, **overrides}.items()}
        env = {
            **{name: value for name, value in inherited.items() if name not in changed},
            "PYTHONFAULTHANDLER": "1",
            f"{ENV_PREFIX}PORT": str(self.port),
            f"{ENV_PREFIX}DATABASE_URL": settings.database_url,
            **{name: str(value) for name, value in changed.items() if value is not None},
        }
        command = [sys.executable, "-m", "{{ cookiecutter.package_name }}", *arguments]
        self.log = cwd / f"server-{self.port}.log"
        # A session of its own, so that a failed test can stop the server's worker processes too.
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True
            )
        self.live = False

    def ready(self) -> Server:
        """The process and its base URL, once it answers."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.live:
            assert self.process.poll() is None, f"the server exited while starting:\n{self.log.read_text()}"
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within {START_TIMEOUT_SECONDS} s")
            self.live = self.answers_live()
            if not self.live:
                time.sleep(0.05)
        return Server(self.process, f"http://127.0.0.1:{self.port}", self.log)

    def answers_live(self) -> bool:
        # The standard library's client, lighter than any httpx client.
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=ANSWER_TIMEOUT_SECONDS)
        try:
            connection.request("GET", "/health/live")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class Launches:
    """The servers that the collected tests need, started together and handed out as the tests come."""

    def __init__(self, items: list[pytest.Item]) -> None:
        self.own_needed = sum(uses(item, "server") for item in items)
        self.shared_needed = any(uses(item, "shared_server") for item in items)
        self.own: list[Launch] = []
        self.shared: Launch | None = None

    def start(self, settings: Settings, cwd: Path) -> None:
        self.own = [Launch(settings, cwd) for _ in range(self.own_needed)]
        if self.shared_needed:
            self.start_shared(settings, cwd)

    def start_shared(self, settings: Settings, cwd: Path) -> Launch:
        # Killed when the run ends, it would never write its coverage: measuring it would only slow it down.
        self.shared = Launch(settings, cwd, measured=False, max_body_bytes=str(SHARED_BODY_LIMIT))
        return self.shared

    def stop(self) -> None:
        for launch in [*self.own, *filter(None, [self.shared])]:
            launch.stop()


NEEDED = pytest.StashKey[Launches]()


def uses(item: pytest.Item, fixture: str) -> bool:
    return isinstance(item, pytest.Function) and fixture in item.fixturenames


def pytest_collection_finish(session: pytest.Session) -> None:
    session.config.stash[NEEDED] = Launches(session.items)


@pytest.fixture(scope="session", autouse=True)
def launches(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launches]:
    """Start every server the collected tests need as the first test starts, and stop them as the run ends."""
    launches = request.config.stash.get(NEEDED, Launches([]))
    if launches.own_needed or launches.shared_needed:
        launches.start(request.getfixturevalue("session_settings"), tmp_path_factory.mktemp("servers"))
    yield launches
    launches.stop()


@pytest.fixture
def shared_server(launches: Launches, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """The server shared by the tests that leave it running, with a smaller body limit than the default."""
    return (launches.shared or launches.start_shared(settings, tmp_path_factory.mktemp("server"))).ready()


@pytest.fixture
def server(launches: Launches, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of the test's own, which the test may stop."""
    launch = launches.own.pop() if launches.own else Launch(settings, tmp_path_factory.mktemp("server"))
    try:
        yield launch.ready()
    finally:
        launch.stop()


def exchange(base_url: str, request: bytes, *, half_close: bool = False) -> httpx2.Response | None:
    """Send raw bytes, read the answer until the server closes the connection; None if it closed without one.

    The request should say ``Connection: close``. With ``half_close``, the client then stops sending, as a client
    does whose body ends before its Content-Length.
    """
    url = httpx2.URL(base_url)
    with socket.create_connection((url.host, url.port), timeout=ANSWER_TIMEOUT_SECONDS) as connection:
        try:
            connection.sendall(request)
            if half_close:
                connection.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # The server may answer and close before it has read the whole request.
        received = bytearray()
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass  # The server reset a connection whose request it did not read to the end, after its answer.
    return parse_answer(bytes(received), request) if received else None


def with_headers(request: bytes, headers: Mapping[str, str]) -> bytes:
    """The raw request with these headers added after its request line."""
    request_line, _, rest = request.partition(b"\r\n")
    added = b"".join(f"{name}: {value}\r\n".encode() for name, value in headers.items())
    return request_line + b"\r\n" + added + rest


def parse_answer(answer: bytes, request: bytes) -> httpx2.Response:
    """The raw answer as an httpx response, with the request it answered, so that the usual assertions apply."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = [line.split(":", 1) for line in header_lines]
    method, target, _ = request.split(b"\r\n", 1)[0].split(b" ", 2)
    # The path alone, quoted: the request stands for one with any query and bytes that no URL may hold.
    path = quote(target.partition(b"?")[0].decode("latin-1"), safe=string.punctuation)
    return httpx2.Response(
        int(status_line.split(" ", 2)[1]),
        headers=[(name.strip(), value.strip()) for name, value in headers],
        content=body,
        request=httpx2.Request(method.decode(), f"http://server{path}"),
    )
