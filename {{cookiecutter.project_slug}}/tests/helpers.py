"""Assertions shared by the test modules."""

from typing import Any

import httpx2

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
