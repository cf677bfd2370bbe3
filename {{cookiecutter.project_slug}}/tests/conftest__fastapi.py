"""Builds the FastAPI application and a client for it: the only test file that knows the framework."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx2
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from schemathesis.python import asgi
from schemathesis.specs.openapi.schemas import OpenApiSchema
from sqlalchemy.ext.asyncio import AsyncEngine

from {{ cookiecutter.package_name }}.app import FEATURES, create_app
from {{ cookiecutter.package_name }}.core.logging import configure_logging
from {{ cookiecutter.package_name }}.settings import Settings

pytest_plugins = ["tests.auth", "tests.fixtures", "tests.live_server", "tests.traces"{{ ', "tests.worker"' if cookiecutter.jobs == "celery" }}]
"""The signed-in ``client``, the database fixtures, the production server and the trace receiver, which do not
depend on the framework."""


@pytest.fixture
def make_client(session_settings: Settings) -> Iterator[Callable[[Settings], httpx2.Client]]:
    """Start an application with the given settings and return a client for it. When the test ends, its log lines
    are written and the run's logging is set up again, as the shared application has it."""
    with ExitStack() as running:
        running.callback(configure_logging, session_settings)

        def make(settings: Settings) -> httpx2.Client:
            client = TestClient(create_app(settings), raise_server_exceptions=False)
            return running.enter_context(client)

        yield make


@pytest.fixture(scope="session")
def shared_client(session_settings: Settings) -> Iterator[TestClient]:
    """One application for the whole run, started once: starting one per test would cost more than most tests."""
    with TestClient(create_app(session_settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def anonymous_client(shared_client: TestClient, settings: Settings) -> httpx2.Client:
    """A client of the run's application, without credentials; ``settings`` empties its database when the test
    ends."""
    return shared_client


@pytest.fixture
def close_database_connections(shared_client: TestClient) -> Callable[[], None]:
    """Close the pooled connections, so that the next request has to connect again."""
    assert isinstance(shared_client.app, FastAPI)
    engine: AsyncEngine = shared_client.app.state.engine
    portal = shared_client.portal
    assert portal is not None

    def close() -> None:
        portal.call(engine.dispose)

    return close


@pytest.fixture
def api_schema(settings: Settings) -> Iterator[OpenApiSchema]:
    """The application's own OpenAPI document, loaded by schemathesis to call an application in-process.

    The application is one of the test's own: schemathesis runs it on an event loop of its own, which cannot use the
    database connections that the run's application opened on its client's loop.
    """
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(settings))
    # The lifespan that schemathesis started, which closes the application's connections on that loop.
    asgi.shutdown_lifespans()


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
