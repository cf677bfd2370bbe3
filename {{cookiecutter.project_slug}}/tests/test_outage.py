"""While the database is unreachable every request that needs it gets 503; afterwards all works again."""

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import create_engine, event, text

from {{ cookiecutter.package_name }}.core import engine
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import sign_in
from .helpers import assert_problem, create

Outage = Callable[[], AbstractContextManager[None]]
STATEMENT_TIMEOUT_SECONDS = 0.5


def test_ready_is_503_while_the_database_is_down(client: httpx2.Client, database_outage: Outage) -> None:
    with database_outage():
        body = assert_problem(client.get("/health/ready"), 503)

    assert "database" in body["detail"]


def test_api_answers_503_during_an_outage_and_recovers_without_restart(
    client: httpx2.Client, database_outage: Outage
) -> None:
    item = create(client, ITEMS, name="Widget")

    with database_outage():
        assert_problem(client.get(ITEMS), 503)
        assert_problem(client.get(f"{ITEMS}/{item['id']}"), 503)
        assert_problem(client.post(ITEMS, json={"name": "Lost"}), 503)

    assert client.get(f"{ITEMS}/{item['id']}").json() == item
    assert client.get("/health/ready").status_code == 200
    assert client.get(ITEMS).json()["total"] == 1


def test_a_locked_database_gets_503_from_the_statement_timeout_and_recovers(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings, database_lock: Outage
) -> None:
    """The lock is held until the answer has come: without the timeout, the request would wait for ever."""
    client = make_client(settings.model_copy(update={"database_statement_timeout": STATEMENT_TIMEOUT_SECONDS}))
    client.headers.update(sign_in(client))

    with database_lock():
        assert_problem(client.post(ITEMS, json={"name": "Blocked"}), 503)

    assert client.post(ITEMS, json={"name": "Blocked"}).status_code == 201


def test_an_idle_connection_that_fails_its_ping_is_replaced_unnoticed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As after a restart of the database: the pool opens another connection, which the caller gets instead."""
    database = create_engine(f"sqlite:///{tmp_path / 'pinged.db'}")
    engine.ping_idle_connections(database)
    connections: list[Any] = []
    event.listen(database, "connect", lambda connection, _record: connections.append(connection))
    pings: list[Any] = []

    def ping_failing_once(connection: Any) -> bool:
        pings.append(connection)
        if len(pings) == 1:
            raise sqlite3.OperationalError("the database went away")
        return True

    monkeypatch.setattr(database.dialect, "do_ping", ping_failing_once)
    monkeypatch.setattr(engine, "PING_AFTER_IDLE_SECONDS", 0.0)
    try:
        answers = []
        for _ in range(3):
            with database.connect() as connection:
                answers.append(connection.execute(text("SELECT 1")).scalar())
    finally:
        database.dispose()

    assert answers == [1, 1, 1]
    assert pings[0] is connections[0]
    assert len(connections) == 2, "the connection that failed its ping was not replaced"
    assert pings[1:] == [connections[1]] * (len(pings) - 1)
