"""Per-user data, whatever authenticates the callers: two members against each other on every item operation, and
an admin who sees and changes everyone's."""

from collections.abc import Callable

import httpx2

from {{ cookiecutter.package_name }}.auth import USERS_URL
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.settings import Settings
from {{ cookiecutter.package_name }}.web.idempotency import IDEMPOTENCY_KEY

from .auth import sign_in, sign_in_admin
from .helpers import assert_problem


def create_as(client: httpx2.Client, headers: dict[str, str], name: str = "Widget") -> dict[str, object]:
    response = client.post(ITEMS, json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    item: dict[str, object] = response.json()
    return item


def test_a_member_sees_and_changes_only_their_own_items(anonymous_client: httpx2.Client) -> None:
    ada, bob = sign_in(anonymous_client), sign_in(anonymous_client)
    item = create_as(anonymous_client, ada)
    url = f"{ITEMS}/{item['id']}"

    assert_problem(anonymous_client.get(url, headers=bob), 404)
    assert_problem(anonymous_client.patch(url, json={"quantity": 1}, headers=bob), 404)
    assert_problem(anonymous_client.delete(url, headers=bob), 404)
    assert anonymous_client.get(ITEMS, headers=bob).json()["total"] == 0
    assert anonymous_client.get(ITEMS, params={"q": "Widget"}, headers=bob).json()["items"] == []
    assert create_as(anonymous_client, bob)["name"] == item["name"], "names are unique per owner"
    assert anonymous_client.get(url, headers=ada).json() == item


def test_another_members_item_is_as_absent_as_a_missing_one(anonymous_client: httpx2.Client) -> None:
    ada, bob = sign_in(anonymous_client), sign_in(anonymous_client)
    item = create_as(anonymous_client, ada)
    item_id = item["id"]
    assert isinstance(item_id, int)

    others = anonymous_client.get(f"{ITEMS}/{item_id}", headers=bob)
    missing = anonymous_client.get(f"{ITEMS}/{item_id + 1000}", headers=bob)

    assert others.status_code == missing.status_code == 404
    assert others.json()["title"] == missing.json()["title"]


def test_an_admin_sees_and_changes_every_item(anonymous_client: httpx2.Client, settings: Settings) -> None:
    ada, admin = sign_in(anonymous_client), sign_in_admin(anonymous_client, settings)
    item = create_as(anonymous_client, ada)
    url = f"{ITEMS}/{item['id']}"

    assert anonymous_client.get(ITEMS, headers=admin).json()["items"] == [item]
    assert anonymous_client.patch(url, json={"quantity": 7}, headers=admin).json()["quantity"] == 7
    assert anonymous_client.delete(url, headers=admin).status_code == 204
    assert anonymous_client.get(f"{USERS_URL}/me", headers=admin).json()["role"] == "admin"


def test_another_members_etag_reveals_nothing_of_their_item(anonymous_client: httpx2.Client) -> None:
    """Conditions are looked at only once the item is found: sent by another member, any tag gets 404, never the 304
    or 412 that would tell that the item exists and has that tag."""
    ada, bob = sign_in(anonymous_client), sign_in(anonymous_client)
    created = anonymous_client.post(ITEMS, json={"name": "Widget"}, headers=ada)
    url, tag = created.headers["location"], created.headers["etag"]

    for sent in (tag, "*"):
        assert_problem(anonymous_client.get(url, headers={**bob, "If-None-Match": sent}), 404)
        assert_problem(anonymous_client.patch(url, json={"quantity": 1}, headers={**bob, "If-Match": sent}), 404)
        assert_problem(anonymous_client.delete(url, headers={**bob, "If-Match": sent}), 404)
    assert anonymous_client.get(url, headers={**ada, "If-None-Match": tag}).status_code == 304


def test_two_members_with_the_same_idempotency_key_each_get_their_own_item(anonymous_client: httpx2.Client) -> None:
    """A key is the caller's own: another member's retry with it neither replays their answer nor is refused."""
    ada, bob = sign_in(anonymous_client), sign_in(anonymous_client)
    key = {IDEMPOTENCY_KEY: "order-1"}

    adas = anonymous_client.post(ITEMS, json={"name": "Widget"}, headers={**ada, **key})
    bobs = anonymous_client.post(ITEMS, json={"name": "Gadget"}, headers={**bob, **key})

    assert adas.status_code == bobs.status_code == 201
    assert adas.headers["location"] != bobs.headers["location"]
    assert anonymous_client.get(ITEMS, headers=bob).json()["items"] == [bobs.json()]
    assert anonymous_client.post(ITEMS, json={"name": "Widget"}, headers={**ada, **key}).json() == adas.json()


def test_two_members_from_one_address_are_counted_apart(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    """Each member has rate limits of their own, wherever they call from."""
    client = make_client(settings.model_copy(update={"rate_limit_reads": 3}))
    first, second = sign_in(client), sign_in(client)
    statuses = [client.get(ITEMS, headers=first).status_code for _ in range(6)]

    assert 429 in statuses
    assert client.get(ITEMS, headers=second).status_code == 200
