"""Builds the FastAPI application and a client for it: the only test file that knows the framework."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx2
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from schemathesis.specs.openapi.schemas import OpenApiSchema
from sqlalchemy.ext.asyncio import AsyncEngine

from {{ cookiecutter.package_name }}.app import FEATURES, create_app
from {{ cookiecutter.package_name }}.core.logging import flush_logs
from {{ cookiecutter.package_name }}.settings import Settings

pytest_plugins = ["tests.fixtures", "tests.live_server"]
"""The database fixtures and the production server, which do not depend on the framework."""


@pytest.fixture
def make_client() -> Iterator[Callable[[Settings], httpx2.Client]]:
    """Start an application with the given settings and return a client for it; its log lines are written by the
    end of the test."""
    with ExitStack() as running:
        running.callback(flush_logs)

        def make(settings: Settings) -> httpx2.Client:
            client = TestClient(create_app(settings), raise_server_exceptions=False)
            return running.enter_context(client)

        yield make


@pytest.fixture
def client(make_client: Callable[[Settings], httpx2.Client], settings: Settings) -> httpx2.Client:
    return make_client(settings)


@pytest.fixture
def close_database_connections(client: TestClient) -> Callable[[], None]:
    """Close the pooled connections, so that the next request has to connect again."""
    assert isinstance(client.app, FastAPI)
    engine: AsyncEngine = client.app.state.engine
    portal = client.portal
    assert portal is not None

    def close() -> None:
        portal.call(engine.dispose)

    return close


@pytest.fixture
def api_schema(client: TestClient) -> OpenApiSchema:
    """The application's own OpenAPI document, loaded by schemathesis to call the application in-process."""
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


@pytest.fixture
def served_operations() -> set[tuple[str, str]]:
    """The path and method of every route of the registered features, as the OpenAPI document spells them."""
    return {
        (route.path, method.lower())
        for router in FEATURES
        for route in router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods or ()
    }
