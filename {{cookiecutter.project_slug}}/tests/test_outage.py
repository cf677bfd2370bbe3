"""While the database is unreachable every request that needs it gets 503; afterwards all works again."""

from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx2

from .helpers import assert_problem, create_item

Outage = Callable[[], AbstractContextManager[None]]


def test_ready_is_503_while_the_database_is_down(client: httpx2.Client, database_outage: Outage) -> None:
    with database_outage():
        body = assert_problem(client.get("/health/ready"), 503)

    assert "database" in body["detail"]


def test_api_answers_503_during_an_outage_and_recovers_without_restart(
    client: httpx2.Client, database_outage: Outage
) -> None:
    item = create_item(client)

    with database_outage():
        assert_problem(client.get("/api/v1/items"), 503)
        assert_problem(client.get(f"/api/v1/items/{item['id']}"), 503)
        assert_problem(client.post("/api/v1/items", json={"name": "Lost"}), 503)

    assert client.get(f"/api/v1/items/{item['id']}").json() == item
    assert client.get("/health/ready").status_code == 200
    assert client.get("/api/v1/items").json()["total"] == 1
