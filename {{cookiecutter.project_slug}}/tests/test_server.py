"""The production command serves the application over real HTTP and stops cleanly.

The command is ``python -m {{ cookiecutter.package_name }}``.
"""

import json
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager

import httpx2

from {{ cookiecutter.package_name }}.core.metrics import METRICS_URL
from {{ cookiecutter.package_name }}.items import URL as ITEMS

from .auth import sign_in
from .helpers import samples
from .live_server import Server, live_client

RACE_ROUNDS = 20
LAST_REQUESTS = 50
"""How many requests are answered just before the server is told to stop, each of which must still be logged."""
STOPPING_SECONDS = 0.5
"""How long the server has been told to stop while the request it answers is still held up by a database lock."""
IN_FLIGHT_TIMEOUT_SECONDS = 20


def logged_request_ids(server: Server) -> set[str]:
    """The request ids of the server's request log lines, from its standard error."""
    lines = server.log.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    return {entry["request_id"] for entry in entries if "status" in entry}


def test_serves_the_api_and_its_docs_then_stops_on_sigterm_with_every_request_logged(server: Server) -> None:
    last_ids = {f"last-{number}" for number in range(LAST_REQUESTS)}
    with live_client(server.base_url) as client:
        client.headers.update(sign_in(client))
        created = client.post(ITEMS, json={"name": "Widget"})
        assert created.status_code == 201
        assert client.get(created.headers["location"]).json() == created.json()
        assert client.get("/docs").status_code == 200
        assert client.get("/health/ready").status_code == 200
        for request_id in last_ids:
            assert client.get("/health/live", headers={"X-Request-ID": request_id}).status_code == 200

    # The last lines are still queued for the log writer when the signal comes.
    assert server.terminate() == 0
    assert last_ids <= logged_request_ids(server)


def test_two_clients_racing_for_a_name_get_one_201_and_one_409(shared_server: Server) -> None:
    barrier = threading.Barrier(2)

    def create(client: httpx2.Client, name: str) -> int:
        barrier.wait()
        return client.post(ITEMS, json={"name": name}).status_code

    with (
        ThreadPoolExecutor(max_workers=2) as pool,
        live_client(shared_server.base_url) as first,
        live_client(shared_server.base_url) as second,
    ):
        credentials = sign_in(first)
        first.headers.update(credentials)
        second.headers.update(credentials)
        for round_number in range(RACE_ROUNDS):
            statuses = sorted(pool.map(create, [first, second], [f"Racer {round_number}"] * 2))
            assert statuses == [201, 409]
        assert first.get(ITEMS, params={"limit": 100}).json()["total"] == RACE_ROUNDS


def test_sigterm_lets_an_in_flight_request_finish(
    server: Server, database_lock: Callable[[], AbstractContextManager[None]]
) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool, live_client(server.base_url) as client:
        client.headers.update(sign_in(client))
        with database_lock():
            in_flight = pool.submit(client.post, ITEMS, json={"name": "In flight"})
            # The server counts the request in flight once it has it.
            deadline = time.monotonic() + IN_FLIGHT_TIMEOUT_SECONDS
            while samples(client.get(METRICS_URL).text).get(("http_requests_in_flight", frozenset())) != 1:
                assert time.monotonic() < deadline, "the request never reached the server"
                time.sleep(0.01)
            server.process.send_signal(signal.SIGTERM)
            time.sleep(STOPPING_SECONDS)
            assert not in_flight.done()

        assert in_flight.result(timeout=30).status_code == 201
    assert server.stopped() == 0
