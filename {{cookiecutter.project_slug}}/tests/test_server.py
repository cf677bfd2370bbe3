"""The production command serves the application over real HTTP and stops cleanly.

The command is ``python -m {{ cookiecutter.package_name }}``.
"""

import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager

import httpx2

from {{ cookiecutter.package_name }}.items import URL as ITEMS

from .live_server import Server

RACE_ROUNDS = 20
IN_FLIGHT_SECONDS = 0.5
"""How long a request is held up by a database lock while the server is told to stop."""


def test_serves_the_api_and_its_docs_then_stops_on_sigterm(server: Server) -> None:
    process, base_url = server
    with httpx2.Client(base_url=base_url) as client:
        created = client.post(ITEMS, json={"name": "Widget"})
        assert created.status_code == 201
        assert client.get(created.headers["location"]).json() == created.json()
        assert client.get("/docs").status_code == 200
        assert client.get("/health/ready").status_code == 200

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=30) == 0


def test_two_clients_racing_for_a_name_get_one_201_and_one_409(shared_server: Server) -> None:
    _, base_url = shared_server
    barrier = threading.Barrier(2)

    def create(client: httpx2.Client, name: str) -> int:
        barrier.wait()
        return client.post(ITEMS, json={"name": name}).status_code

    with (
        ThreadPoolExecutor(max_workers=2) as pool,
        httpx2.Client(base_url=base_url) as first,
        httpx2.Client(base_url=base_url) as second,
    ):
        for round_number in range(RACE_ROUNDS):
            statuses = sorted(pool.map(create, [first, second], [f"Racer {round_number}"] * 2))
            assert statuses == [201, 409]
        assert first.get(ITEMS, params={"limit": 100}).json()["total"] == RACE_ROUNDS


def test_sigterm_lets_an_in_flight_request_finish(
    server: Server, database_lock: Callable[[], AbstractContextManager[None]]
) -> None:
    process, base_url = server
    with ThreadPoolExecutor(max_workers=1) as pool, httpx2.Client(base_url=base_url) as client:
        with database_lock():
            in_flight = pool.submit(client.post, ITEMS, json={"name": "In flight"})
            time.sleep(IN_FLIGHT_SECONDS)
            process.send_signal(signal.SIGTERM)
            time.sleep(IN_FLIGHT_SECONDS)
            assert not in_flight.done()

        assert in_flight.result(timeout=30).status_code == 201
    assert process.wait(timeout=30) == 0
