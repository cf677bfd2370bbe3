"""The production command serves the application over real HTTP and stops cleanly.

The command is ``python -m {{ cookiecutter.package_name }}``.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path

import httpx2
import pytest

from {{ cookiecutter.package_name }}.settings import Settings

ENV_PREFIX = "{{ cookiecutter.__env_prefix }}"
START_TIMEOUT_SECONDS = 30
RACE_ROUNDS = 20
IN_FLIGHT_SECONDS = 1.0
"""How long a request is held up by a database lock while the server is told to stop."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path, settings: Settings) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The production command, started on a free port with the test's migrated database."""
    port = free_port()
    env = {**os.environ, f"{ENV_PREFIX}PORT": str(port), f"{ENV_PREFIX}DATABASE_URL": settings.database_url}
    serve = [sys.executable, "-m", "{{ cookiecutter.package_name }}"]
    # A session of its own, so that a failed test can stop the server's worker processes too.
    process = subprocess.Popen(
        serve, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
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


def test_serves_the_api_and_its_docs_then_stops_on_sigterm(server: tuple[subprocess.Popen[bytes], str]) -> None:
    process, base_url = server
    with httpx2.Client(base_url=base_url) as client:
        created = client.post("/api/v1/items", json={"name": "Widget"})
        assert created.status_code == 201
        assert client.get(created.headers["location"]).json() == created.json()
        assert client.get("/docs").status_code == 200
        assert client.get("/health/ready").status_code == 200

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=30) == 0


def test_two_clients_racing_for_a_name_get_one_201_and_one_409(server: tuple[subprocess.Popen[bytes], str]) -> None:
    _, base_url = server
    barrier = threading.Barrier(2)

    def create(name: str) -> int:
        with httpx2.Client(base_url=base_url) as client:
            barrier.wait()
            return client.post("/api/v1/items", json={"name": name}).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        for round_number in range(RACE_ROUNDS):
            statuses = sorted(pool.map(create, [f"Racer {round_number}"] * 2))
            assert statuses == [201, 409]
    with httpx2.Client(base_url=base_url) as client:
        assert client.get("/api/v1/items", params={"limit": 100}).json()["total"] == RACE_ROUNDS


def test_sigterm_lets_an_in_flight_request_finish(
    server: tuple[subprocess.Popen[bytes], str], database_lock: Callable[[], AbstractContextManager[None]]
) -> None:
    process, base_url = server
    with ThreadPoolExecutor(max_workers=1) as pool, httpx2.Client(base_url=base_url) as client:
        with database_lock():
            in_flight = pool.submit(client.post, "/api/v1/items", json={"name": "In flight"})
            time.sleep(IN_FLIGHT_SECONDS)
            process.send_signal(signal.SIGTERM)
            time.sleep(IN_FLIGHT_SECONDS)
            assert not in_flight.done()

        assert in_flight.result(timeout=30).status_code == 201
    assert process.wait(timeout=30) == 0
