"""The production command, ``python -m {{ cookiecutter.package_name }}``, started on a free port for a test or a module.

Also a raw HTTP exchange, for the requests that an HTTP client refuses to send.
"""

import os
import signal
import socket
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx2
import pytest

from {{ cookiecutter.package_name }}.settings import Settings

ENV_PREFIX = "{{ cookiecutter.__env_prefix }}"
START_TIMEOUT_SECONDS = 30
ANSWER_TIMEOUT_SECONDS = 10

Server = tuple[subprocess.Popen[bytes], str]
"""The server process and its base URL."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(settings: Settings, cwd: Path, **overrides: str) -> Iterator[Server]:
    """Serve the settings' database on a free port, with settings overridden through their environment variables."""
    port = free_port()
    env = {
        **os.environ,
        f"{ENV_PREFIX}PORT": str(port),
        f"{ENV_PREFIX}DATABASE_URL": settings.database_url,
        **{f"{ENV_PREFIX}{name.upper()}": value for name, value in overrides.items()},
    }
    command = [sys.executable, "-m", "{{ cookiecutter.package_name }}"]
    # A session of its own, so that a failed test can stop the server's worker processes too.
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(process, base_url)
        yield process, base_url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_live(process: subprocess.Popen[bytes], base_url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited while starting"
        try:
            if httpx2.get(f"{base_url}/health/live").status_code == 200:
                return
        except httpx2.TransportError:
            time.sleep(0.1)
    pytest.fail(f"the server did not answer within {START_TIMEOUT_SECONDS} s")


@pytest.fixture
def server(tmp_path: Path, settings: Settings) -> Iterator[Server]:
    """The production command, started on a free port with the test's migrated database."""
    with serving(settings, tmp_path) as started:
        yield started


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
