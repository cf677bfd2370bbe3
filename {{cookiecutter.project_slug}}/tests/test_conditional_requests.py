"""Conditional requests on an item (RFC 9110, section 13): its ETag, If-None-Match on a read, If-Match on a change.

The last test races clients against the production server on the run's database.
"""

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import pytest
from sqlalchemy import Connection, delete, update

from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.items.schemas import ItemRead
from {{ cookiecutter.package_name }}.settings import Settings
from {{ cookiecutter.package_name }}.web.etags import Precondition

from .auth import sign_in
from .helpers import assert_problem
from .live_server import Server, live_client

STRONG_TAG = re.compile(r'^"[0-9a-f]{16}"$')
RACERS = 10
RACE_ROUNDS = 5


def create_item(client: httpx2.Client, name: str = "Widget") -> tuple[str, str]:
    """A new item's URL and ETag."""
    response = client.post(ITEMS, json={"name": name, "quantity": 1})
    assert response.status_code == 201, response.text
    return response.headers["location"], response.headers["etag"]


def test_create_read_and_change_answer_a_strong_etag_that_every_change_renews(client: httpx2.Client) -> None:
    url, created = create_item(client)
    read = client.get(url)
    changed = client.patch(url, json={"quantity": 2})

    assert STRONG_TAG.match(created)
    assert read.headers["etag"] == created
    assert STRONG_TAG.match(changed.headers["etag"])
    assert changed.headers["etag"] != created
    assert client.get(url).headers["etag"] == changed.headers["etag"]
    assert client.patch(url, json={"quantity": 3}).headers["etag"] not in {created, changed.headers["etag"]}


def test_the_tag_is_never_in_a_body(client: httpx2.Client) -> None:
    created = client.post(ITEMS, json={"name": "Widget"})
    url = created.headers["location"]
    bodies = [created.json(), client.get(url).json(), client.patch(url, json={"quantity": 2}).json()]

    documented = set(ItemRead.model_json_schema(mode="serialization")["properties"])
    assert "version" not in documented
    assert [set(body) for body in bodies] == [documented] * 3


def test_every_item_has_a_tag_of_its_own(client: httpx2.Client) -> None:
    tags = {create_item(client, f"Item {number}")[1] for number in range(5)}

    assert len(tags) == 5


@pytest.mark.parametrize(
    "held",
    ["{tag}", "W/{tag}", '"other", {tag}', ' ,{tag} , W/"other"', "*"],
    ids=["tag", "weak-tag", "in-a-list", "in-a-spaced-list", "any"],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_read_naming_the_current_etag_is_304_without_a_body(client: httpx2.Client, method: str, held: str) -> None:
    url, tag = create_item(client)

    response = client.request(method, url, headers={"If-None-Match": held.format(tag=tag)})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == tag


@pytest.mark.parametrize("held", ['"other"', "W/other", "{tag}x", "{tag} {tag}"])
def test_a_read_naming_no_current_etag_gets_the_item(client: httpx2.Client, held: str) -> None:
    url, tag = create_item(client)

    response = client.get(url, headers={"If-None-Match": held.format(tag=tag)})

    assert response.status_code == 200
    assert response.json()["name"] == "Widget"
    assert response.headers["etag"] == tag


def test_a_read_naming_an_etag_from_before_a_change_gets_the_changed_item(client: httpx2.Client) -> None:
    url, old_tag = create_item(client)
    client.patch(url, json={"quantity": 5})

    response = client.get(url, headers={"If-None-Match": old_tag})

    assert response.status_code == 200
    assert response.json()["quantity"] == 5


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
@pytest.mark.parametrize("sent", ["{old}", "W/{tag}", '"other", W/{tag}', "{tag}x", "garbage"])
def test_a_change_naming_no_current_etag_is_412_and_changes_nothing(
    client: httpx2.Client, method: str, sent: str
) -> None:
    url, old = create_item(client)
    tag = client.patch(url, json={"quantity": 2}).headers["etag"]
    before = client.get(url).json()

    response = client.request(method, url, json={"quantity": 9}, headers={"If-Match": sent.format(old=old, tag=tag)})

    assert "If-Match" in assert_problem(response, 412)["detail"]
    assert client.get(url).json() == before


@pytest.mark.parametrize("sent", ["{tag}", '"other", {tag}', "*"], ids=["tag", "in-a-list", "any"])
def test_a_change_naming_the_current_etag_is_made(client: httpx2.Client, sent: str) -> None:
    url, tag = create_item(client)

    changed = client.patch(url, json={"quantity": 2}, headers={"If-Match": sent.format(tag=tag)})
    deleted = client.delete(url, headers={"If-Match": sent.format(tag=changed.headers["etag"])})

    assert changed.status_code == 200
    assert changed.json()["quantity"] == 2
    assert deleted.status_code == 204
    assert_problem(client.get(url), 404)


def test_an_unknown_item_is_404_whatever_the_etag(client: httpx2.Client) -> None:
    url = f"{ITEMS}/999"
    any_tag = {"If-Match": "*", "If-None-Match": "*"}

    for method in ("GET", "PATCH", "DELETE"):
        assert_problem(client.request(method, url, json={}, headers=any_tag), 404)


def test_the_setting_that_requires_if_match_refuses_a_change_without_it_with_428(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(settings.model_copy(update={"require_if_match": True}))
    client.headers.update(sign_in(client))
    url, tag = create_item(client)

    assert "If-Match" in assert_problem(client.patch(url, json={"quantity": 2}), 428)["detail"]
    assert_problem(client.delete(url), 428)
    assert client.get(url).headers["etag"] == tag
    changed = client.patch(url, json={"quantity": 2}, headers={"If-Match": tag})
    assert changed.status_code == 200
    assert client.delete(url, headers={"If-Match": changed.headers["etag"]}).status_code == 204


def test_a_page_of_a_configured_origin_may_send_the_conditions_and_read_the_etag(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    origin = "https://app.example"
    client = make_client(settings.model_copy(update={"cors_origins": [origin]}))
    requested = {"origin": origin, "access-control-request-method": "PATCH"}

    preflight = client.options(ITEMS, headers={**requested, "access-control-request-headers": "if-match"})
    simple = client.get(ITEMS, headers={"origin": origin})

    assert preflight.status_code == 200
    assert "if-match" in preflight.headers["access-control-allow-headers"].lower()
    assert "etag" in simple.headers["access-control-expose-headers"].lower()


@pytest.fixture
def written_meanwhile(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make another connection change (``"update"``) or delete (``"delete"``) the item a change is about, after the
    change read it and before it writes: the next precondition checked runs the other write first."""
    check = Precondition.check

    def arrange(write: str) -> None:
        def other_write(connection: Connection) -> None:
            if write == "update":
                connection.execute(update(Item).values(quantity=Item.quantity + 100, version="meanwhile"))
            else:
                connection.execute(delete(Item))
            connection.commit()

        def check_after_the_other_write(precondition: Precondition, version: str) -> None:
            # On a thread of its own, where the database module may run an event loop: this thread's runs the request.
            with ThreadPoolExecutor(max_workers=1) as other:
                other.submit(database.run_on_connection, settings, other_write).result()
            monkeypatch.setattr(Precondition, "check", check)
            check(precondition, version)

        monkeypatch.setattr(Precondition, "check", check_after_the_other_write)

    return arrange


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
@pytest.mark.parametrize("other_write", ["update", "delete"])
def test_a_change_that_another_write_got_in_before_is_412_when_it_named_the_etag(
    client: httpx2.Client, written_meanwhile: Callable[[str], None], method: str, other_write: str
) -> None:
    url, tag = create_item(client)
    written_meanwhile(other_write)

    assert_problem(client.request(method, url, json={"quantity": 2}, headers={"If-Match": tag}), 412)

    after = client.get(url)
    assert after.status_code == (200 if other_write == "update" else 404)
    assert other_write == "delete" or after.json()["quantity"] == 101


@pytest.mark.parametrize("headers", [{}, {"If-Match": "*"}], ids=["no-if-match", "any"])
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_a_change_that_another_write_got_in_before_is_409_when_it_named_no_etag(
    client: httpx2.Client, written_meanwhile: Callable[[str], None], method: str, headers: dict[str, str]
) -> None:
    """No precondition was given, so none failed: the change conflicts with the other, and the client may retry."""
    url, _ = create_item(client)
    written_meanwhile("update")

    body = assert_problem(client.request(method, url, json={"quantity": 2}, headers=headers), 409)

    assert "Another request changed" in body["detail"]
    assert client.get(url).json()["quantity"] == 101


def test_of_clients_that_read_one_item_exactly_one_changes_it_with_its_etag(shared_server: Server) -> None:
    """Real concurrent requests to the production server, on the run's database: each round, every client sends the
    ETag they all read; one change is made and every other is refused."""
    barrier = threading.Barrier(RACERS)

    def change(client: httpx2.Client, url: str, tag: str, quantity: int) -> tuple[int, Any]:
        barrier.wait()
        response = client.patch(url, json={"quantity": quantity}, headers={"If-Match": tag})
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=RACERS) as pool, live_client(shared_server.base_url) as reader:
        reader.headers.update(sign_in(reader))
        clients = [live_client(shared_server.base_url, headers=reader.headers) for _ in range(RACERS)]
        try:
            for round_number in range(RACE_ROUNDS):
                url, tag = create_item(reader, f"Raced {round_number}")
                quantities = range(10, 10 + RACERS)
                answers = list(pool.map(change, clients, [url] * RACERS, [tag] * RACERS, quantities))

                assert sorted(status for status, _ in answers) == [200] + [412] * (RACERS - 1)
                winner = next(body for status, body in answers if status == 200)
                assert reader.get(url).json() == winner
        finally:
            for client in clients:
                client.close()
