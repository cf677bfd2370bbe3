"""Idempotency keys on POST: a retry with the key gets the first answer again, and nothing is done twice.

The last tests send retries to the production server on the run's database: at once, and across a restart.
"""

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import Connection, func, select

from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.settings import Settings
from {{ cookiecutter.package_name }}.web import answers
from {{ cookiecutter.package_name }}.web.idempotency import (
    HOLD,
    IDEMPOTENCY_KEY,
    STORED_PER_PURGE,
    Claim,
    IdempotencyRecord,
)

from .auth import sign_in
from .helpers import assert_problem
from .live_server import Launch, Server, exchange, live_client, with_headers

REPLAYED = ("content-type", "location", "etag")
RACERS = 10
RACE_ROUNDS = 3
HOLD_TIMEOUT_SECONDS = 30
RETRY_DEADLINE_SECONDS = 30
HOUR = timedelta(hours=1)


def keyed(key: str) -> dict[str, str]:
    return {IDEMPOTENCY_KEY: key}


def new_key() -> str:
    return str(uuid.uuid4())


Answer = tuple[int, tuple[tuple[str, str], ...], bytes]


def answer(response: httpx2.Response) -> Answer:
    """What a replay repeats: the status, the resource's headers and the body."""
    return response.status_code, tuple((name, response.headers[name]) for name in REPLAYED), response.content


def item_count(client: httpx2.Client) -> int:
    total: int = client.get(ITEMS).json()["total"]
    return total


def stored_keys(settings: Settings) -> int:
    counted: list[int] = []

    def count(connection: Connection) -> None:
        counted.append(connection.execute(select(func.count()).select_from(IdempotencyRecord)).scalar_one())

    database.run_on_connection(settings, count)
    return counted[0]


def test_a_retry_with_the_key_replays_the_first_answer_and_creates_nothing(client: httpx2.Client) -> None:
    key = new_key()
    first = client.post(ITEMS, json={"name": "Widget", "quantity": 2}, headers=keyed(key))
    retried = [client.post(ITEMS, json={"name": "Widget", "quantity": 2}, headers=keyed(key)) for _ in range(3)]

    assert first.status_code == 201
    assert {answer(response) for response in retried} == {answer(first)}
    assert item_count(client) == 1
    assert client.get(first.headers["location"]).headers["etag"] == first.headers["etag"]


def test_the_same_body_written_otherwise_is_the_same_request(client: httpx2.Client) -> None:
    headers = {**keyed(new_key()), "content-type": "application/json"}
    first = client.post(ITEMS, content=b'{"name": "Widget", "quantity": 2}', headers=headers)
    retried = client.post(ITEMS, content=b'{ "quantity":2,"name":"Widget" }', headers=headers)

    assert answer(retried) == answer(first)
    assert item_count(client) == 1


def test_a_key_in_quotes_is_the_same_key(client: httpx2.Client) -> None:
    first = client.post(ITEMS, json={"name": "Widget"}, headers=keyed("order-17"))
    retried = client.post(ITEMS, json={"name": "Widget"}, headers=keyed('"order-17"'))

    assert answer(retried) == answer(first)


def test_the_key_of_another_request_is_422_and_does_nothing(client: httpx2.Client) -> None:
    key = new_key()
    client.post(ITEMS, json={"name": "Widget"}, headers=keyed(key))

    refused = client.post(ITEMS, json={"name": "Gadget"}, headers=keyed(key))

    body = assert_problem(refused, 422)
    assert IDEMPOTENCY_KEY in body["detail"]
    assert [error["loc"] for error in body["errors"]] == [["header", IDEMPOTENCY_KEY]]
    assert [item["name"] for item in client.get(ITEMS).json()["items"]] == ["Widget"]


def test_posts_without_a_key_or_with_different_keys_are_each_done(client: httpx2.Client) -> None:
    client.post(ITEMS, json={"name": "One"})
    client.post(ITEMS, json={"name": "Two"}, headers=keyed(new_key()))
    client.post(ITEMS, json={"name": "Three"}, headers=keyed(new_key()))

    assert item_count(client) == 3


def test_a_failed_request_keeps_no_key_and_its_retry_runs_again(client: httpx2.Client, settings: Settings) -> None:
    """An error answer left nothing done: once the cause is gone, the retry with the same key is done."""
    taken = client.post(ITEMS, json={"name": "Widget"}).headers["location"]
    key = new_key()

    assert_problem(client.post(ITEMS, json={"name": "Widget"}, headers=keyed(key)), 409)
    assert stored_keys(settings) == 0
    client.delete(taken)
    assert client.post(ITEMS, json={"name": "Widget"}, headers=keyed(key)).status_code == 201


def test_a_failure_between_the_work_and_the_storing_of_its_answer_leaves_neither(
    client: httpx2.Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a crash at that point would: the item and the key are committed together, or neither is, and the retry
    does the work."""
    key = new_key()

    def fail(*_args: object) -> None:
        raise RuntimeError("the process stops here")

    monkeypatch.setattr(answers, "stored_row", fail)
    assert_problem(client.post(ITEMS, json={"name": "Widget"}, headers=keyed(key)), 500)
    monkeypatch.undo()

    assert item_count(client) == 0
    assert stored_keys(settings) == 0
    assert client.post(ITEMS, json={"name": "Widget"}, headers=keyed(key)).status_code == 201
    assert item_count(client) == 1


@pytest.mark.parametrize(
    "key",
    [b"", b" ", b"a" * 256, b'"' + b"k" * 256 + b'"', b"two words", b'"open', b'"', b"a\tb", b"a,b"],
    ids=["empty", "blank", "too-long", "too-long-quoted", "space", "unclosed", "lone-quote", "tab", "comma"],
)
def test_an_odd_key_is_422_and_does_nothing(client: httpx2.Client, key: bytes) -> None:
    response = client.post(ITEMS, json={"name": "Widget"}, headers=[(IDEMPOTENCY_KEY.encode(), key)])

    assert assert_problem(response, 422)["errors"][0]["loc"] == ["header", IDEMPOTENCY_KEY]
    assert item_count(client) == 0


@pytest.mark.parametrize("key", [b"caf\xc3\xa9", b"\xff"], ids=["utf-8", "latin-1"])
def test_a_key_of_bytes_other_than_visible_ascii_is_422_on_the_server(shared_server: Server, key: bytes) -> None:
    """Sent as raw bytes, which the server decodes as Latin-1; the app's in-process clients send ASCII only."""
    with live_client(shared_server.base_url) as client:
        credentials = sign_in(client)
        client.headers.update(credentials)
        body = b'{"name": "Widget"}'
        head = [f"POST {ITEMS} HTTP/1.1", "Host: server", "Content-Type: application/json", "Connection: close"]
        head.append(f"Content-Length: {len(body)}")
        request = "\r\n".join(head).encode() + b"\r\n" + IDEMPOTENCY_KEY.encode() + b": " + key + b"\r\n\r\n" + body

        answer = exchange(shared_server.base_url, with_headers(request, credentials))

        assert answer is not None
        assert_problem(answer, 422)
        assert item_count(client) == 0


def test_the_longest_key_is_kept(client: httpx2.Client) -> None:
    key = "k" * 255
    first = client.post(ITEMS, json={"name": "Widget"}, headers=keyed(key))

    assert answer(client.post(ITEMS, json={"name": "Widget"}, headers=keyed(f'"{key}"'))) == answer(first)


@contextmanager
def key_held(settings: Settings, owner: str, key: str) -> Iterator[None]:
    """Another transaction holds the key, as a first request with it does while it runs, until the block ends."""
    held, released = threading.Event(), threading.Event()
    claim = Claim(owner, key, "0" * 64, HOUR, settings.idempotency_wait, settings.database_statement_timeout)

    def hold_key(connection: Connection) -> None:
        connection.execute(HOLD[connection.dialect.name], claim.parameters)
        held.set()
        assert released.wait(HOLD_TIMEOUT_SECONDS)
        connection.rollback()

    # On a thread of its own, where the database module may run an event loop: this thread's runs the requests.
    with ThreadPoolExecutor(max_workers=1) as other:
        holding = other.submit(database.run_on_connection, settings, hold_key)
        assert held.wait(HOLD_TIMEOUT_SECONDS) or holding.result()
        try:
            yield
        finally:
            released.set()
            holding.result()


def owner_of(settings: Settings, location: str) -> str:
    owners: list[str] = []

    def read(connection: Connection) -> None:
        item_id = int(location.rpartition("/")[2])
        owners.append(connection.execute(select(Item.owner).where(Item.id == item_id)).scalar_one())

    database.run_on_connection(settings, read)
    return owners[0]


def test_a_retry_while_the_first_request_runs_is_409_with_retry_after(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    # Without rate limits: their count is a write, which SQLite's one writer would hold up behind the held key.
    client = make_client(settings.model_copy(update={"idempotency_wait": 0.2, "rate_limits_enabled": False}))
    client.headers.update(sign_in(client))
    owner = owner_of(settings, client.post(ITEMS, json={"name": "Probe"}).headers["location"])
    key = new_key()

    with key_held(settings, owner, key):
        busy = client.post(ITEMS, json={"name": "Widget"}, headers=keyed(key))

    assert IDEMPOTENCY_KEY in assert_problem(busy, 409)["detail"]
    assert int(busy.headers["retry-after"]) >= 1
    assert client.post(ITEMS, json={"name": "Widget"}, headers=keyed(key)).status_code == 201
    assert item_count(client) == 2


def test_an_expired_key_is_purged_and_may_be_sent_again(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(settings.model_copy(update={"idempotency_key_hours": 1e-9}))
    client.headers.update(sign_in(client))
    key = new_key()

    assert client.post(ITEMS, json={"name": "Widget"}, headers=keyed(key)).status_code == 201
    assert client.post(ITEMS, json={"name": "Gadget"}, headers=keyed(key)).status_code == 201
    for number in range(STORED_PER_PURGE):
        client.post(ITEMS, json={"name": f"Item {number}"}, headers=keyed(new_key()))

    assert stored_keys(settings) <= STORED_PER_PURGE, "one of any STORED_PER_PURGE keys stored purges the expired"
    assert item_count(client) == STORED_PER_PURGE + 2


def test_the_document_declares_the_key_and_its_answers_on_the_posts_that_take_it(client: httpx2.Client) -> None:
    document: dict[str, Any] = client.get("/openapi.json").json()
    keyed_operations = {
        (path, method): operation
        for path, path_item in document["paths"].items()
        for method, operation in path_item.items()
        if any(parameter["name"] == IDEMPOTENCY_KEY for parameter in operation.get("parameters", []))
    }

    assert (ITEMS, "post") in keyed_operations
    for (_, method), operation in keyed_operations.items():
        assert method == "post"
        assert {"409", "422"} <= set(operation["responses"])


def post_until_answered(client: httpx2.Client, body: dict[str, Any], key: str) -> httpx2.Response:
    """POST until the answer is not that the first request with the key still runs: each retry waits on the server
    for that request to end, for the service's idempotency_wait."""
    deadline = time.monotonic() + RETRY_DEADLINE_SECONDS
    while True:
        response = client.post(ITEMS, json=body, headers=keyed(key))
        if response.status_code != 409 or IDEMPOTENCY_KEY not in response.text or time.monotonic() > deadline:
            return response


def test_concurrent_retries_with_one_key_create_one_item_and_get_one_answer(shared_server: Server) -> None:
    """Real concurrent requests to the production server, on the run's database: each round, every client sends the
    same POST with the same key at once."""
    barrier = threading.Barrier(RACERS)

    def post(client: httpx2.Client, body: dict[str, Any], key: str) -> Answer:
        barrier.wait()
        return answer(post_until_answered(client, body, key))

    with ThreadPoolExecutor(max_workers=RACERS) as pool, live_client(shared_server.base_url) as reader:
        reader.headers.update(sign_in(reader))
        clients = [live_client(shared_server.base_url, headers=reader.headers) for _ in range(RACERS)]
        try:
            for round_number in range(RACE_ROUNDS):
                body, key = {"name": f"Raced {round_number}"}, new_key()
                answers = set(pool.map(post, clients, [body] * RACERS, [key] * RACERS))

                assert len(answers) == 1, answers
                assert answers.pop()[0] == 201
                assert reader.get(ITEMS, params={"q": body["name"]}).json()["total"] == 1
        finally:
            for client in clients:
                client.close()


def test_a_key_outlives_a_restart_of_the_server(server: Server, settings: Settings, tmp_path: Path) -> None:
    key = new_key()
    with live_client(server.base_url) as client:
        client.headers.update(sign_in(client))
        first = client.post(ITEMS, json={"name": "Widget"}, headers=keyed(key))
        headers = dict(client.headers)
    assert server.terminate() == 0

    restarted = Launch(settings, tmp_path)
    try:
        with live_client(restarted.ready().base_url, headers=headers) as client:
            retried = client.post(ITEMS, json={"name": "Widget"}, headers=keyed(key))
            assert answer(retried) == answer(first)
            assert item_count(client) == 1
    finally:
        restarted.stop()
