"""Assertions and helpers shared by the test modules."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
import redis
from alembic.config import Config
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package_name }}.settings import Settings

PROJECT = Path(__file__).resolve().parents[1]

RAISED_RATE_LIMITS = {"rate_limit_reads": 1_000_000, "rate_limit_writes": 1_000_000}
"""The tests' rate limits, raised far beyond what any test sends in a minute as one caller (the fuzz tests send
thousands of requests from one address); the tests of the limits set their own."""
PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance"}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
"""The samples of a Prometheus scrape, by name and labels."""


def assert_problem(response: httpx2.Response, status: int) -> dict[str, Any]:
    """Assert that the response is an RFC 9457 problem with this status, and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_FIELDS
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    return body


def create(client: httpx2.Client, url: str, **fields: Any) -> dict[str, Any]:
    """Create a resource through the API and return it."""
    response = client.post(url, json=fields)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def documented_operations(client: httpx2.Client) -> dict[tuple[str, str], set[str]]:
    """Each operation of the application's OpenAPI document, by path and method, with its documented statuses."""
    document: dict[str, Any] = client.get("/openapi.json").json()
    return {
        (path, method): set(operation["responses"])
        for path, path_item in document["paths"].items()
        for method, operation in path_item.items()
    }


def alembic_config(database_url: str) -> Config:
    """The project's Alembic configuration, pointed at ``database_url``."""
    config = Config(toml_file=PROJECT / "pyproject.toml")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def samples(text: str) -> Samples:
    """Every sample of a scrape in Prometheus's text format."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@contextmanager
def counted_in_redis(settings: Settings) -> Iterator[Settings]:
    """The settings, counting in the Redis database that TEST_REDIS_URL names, which is emptied before and after; the
    test is skipped when the variable is not set."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("set TEST_REDIS_URL to a Redis database the tests may empty (redis://127.0.0.1:6379/13)")
    with redis.Redis.from_url(url) as server:
        server.flushdb()
        yield settings.model_copy(update={"redis_url": url})
        server.flushdb()
