"""Assertions and helpers shared by the test modules."""

from pathlib import Path
from typing import Any

import httpx2
from alembic.config import Config

PROJECT = Path(__file__).resolve().parents[1]

PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance"}


def assert_problem(response: httpx2.Response, status: int) -> dict[str, Any]:
    """Assert that the response is an RFC 9457 problem with this status, and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_FIELDS
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    return body


def create_item(client: httpx2.Client, name: str = "Widget", **fields: Any) -> dict[str, Any]:
    """Create an item through the API and return it."""
    response = client.post("/api/v1/items", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


def alembic_config(database_url: str) -> Config:
    """The project's Alembic configuration, pointed at ``database_url``."""
    config = Config(toml_file=PROJECT / "pyproject.toml")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config
