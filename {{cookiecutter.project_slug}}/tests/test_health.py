"""Liveness, and readiness: the database answers and its schema is this version's."""

from collections.abc import Callable

import httpx2
import pytest
from pydantic import BaseModel

from {{ cookiecutter.package_name }}.health import routes
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import TEST_SETTINGS, token_headers
from .helpers import assert_problem, documented_operations

CONTRACT = {
    ("/health/live", "get"): {"200", "414"},
    ("/health/ready", "get"): {"200", "414", "503"},
}
"""Each operation and the statuses it documents."""


def test_the_documented_operations_are_the_contract(client: httpx2.Client) -> None:
    documented = documented_operations(client)

    assert {operation: documented.get(operation) for operation in CONTRACT} == CONTRACT


def test_live_answers_ok(client: httpx2.Client) -> None:
    response = client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


class BrokenLiveness(BaseModel):
    status: str = "broken"


def test_a_response_that_breaks_its_documented_schema_is_a_500_problem(
    client: httpx2.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "Liveness", BrokenLiveness)

    assert_problem(client.get("/health/live"), 500)


def test_ready_checks_the_database_and_its_migrations(client: httpx2.Client) -> None:
    response = client.get("/health/ready")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert set(body["checks"].values()) == {"ok"}


def test_without_its_migrations_the_service_is_not_ready_and_says_how_to_apply_them(
    make_client: Callable[[Settings], httpx2.Client], empty_database_url: str
) -> None:
    settings = Settings(**{**TEST_SETTINGS, "database_url": empty_database_url})
    client = make_client(settings)
    # A token the application accepts, so that it goes on to look for the account: that is where the tables lack.
    client.headers.update(token_headers(settings))

    ready = assert_problem(client.get("/health/ready"), 503)
    listed = assert_problem(client.get(ITEMS), 503)
    created = assert_problem(client.post(ITEMS, json={"name": "Widget"}), 503)

    for body in (ready, listed, created):
        assert "migrations are pending" in body["detail"]
        assert "alembic upgrade head" in body["detail"]
    assert client.get("/health/live").status_code == 200
