"""Builds the FastAPI application and a client for it: the only test file that knows the framework."""

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from contextlib import ExitStack, closing, contextmanager
from typing import Any, TypeVar

import httpx2
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute
from schemathesis.python import asgi
from schemathesis.specs.openapi.schemas import OpenApiSchema
from sqlalchemy.ext.asyncio import AsyncEngine

from {{ cookiecutter.package_name }}.app import ROUTERS, create_app
from {{ cookiecutter.package_name }}.core.logging import configure_logging
from {{ cookiecutter.package_name }}.settings import Settings

pytest_plugins = ["tests.auth", "tests.fixtures", "tests.live_server", "tests.traces"{{ ', "tests.worker"' if cookiecutter.jobs == "celery" }}]
"""The signed-in ``client``, the database fixtures, the production server and the trace receiver, which do not
depend on the framework."""


Result = TypeVar("Result")


class AppClient(httpx2.Client):
    """A client that runs the application in the test's own thread, on an event loop of the client's, for each
    request: Starlette's ``TestClient`` runs it on a loop in another thread, and hands each request over to that
    thread some ten times, which costs more than most requests themselves."""

    def __init__(self, app: FastAPI, loop: asyncio.AbstractEventLoop) -> None:
        self.app = app
        self.loop = loop
        super().__init__(transport=LoopTransport(app, self.loop), base_url="http://testserver")

    def run(self, coroutine: Coroutine[Any, Any, Result]) -> Result:
        return self.loop.run_until_complete(coroutine)


class LoopTransport(httpx2.BaseTransport):
    """httpx's ASGI transport, for a synchronous client: each request runs to its end, body included, on the loop."""

    def __init__(self, app: FastAPI, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = httpx2.ASGITransport(app, raise_app_exceptions=False)
        self.loop = loop

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        return self.loop.run_until_complete(self.exchange(request))

    async def exchange(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.transport.handle_async_request(request)
        return httpx2.Response(response.status_code, headers=response.headers, content=await response.aread())


@contextmanager
def running(app: FastAPI) -> Iterator[AppClient]:
    """A client of the application, on a new event loop, where the application's lifespan starts and ends."""
    lifespan = app.router.lifespan_context(app)
    with closing(asyncio.new_event_loop()) as loop, AppClient(app, loop) as client:
        client.run(lifespan.__aenter__())
        try:
            yield client
        finally:
            client.run(lifespan.__aexit__(None, None, None))


@pytest.fixture
def make_client(session_settings: Settings) -> Iterator[Callable[[Settings], httpx2.Client]]:
    """Start an application with the given settings and return a client for it. When the test ends, its log lines
    are written and the run's logging is set up again, as the shared application has it."""
    with ExitStack() as stack:
        stack.callback(configure_logging, session_settings)

        def make(settings: Settings) -> httpx2.Client:
            return stack.enter_context(running(create_app(settings)))

        yield make


@pytest.fixture(scope="session")
def shared_client(session_settings: Settings) -> Iterator[AppClient]:
    """One application for the whole run, started once: starting one per test would cost more than most tests."""
    with running(create_app(session_settings)) as client:
        yield client


@pytest.fixture
def anonymous_client(shared_client: AppClient, settings: Settings) -> httpx2.Client:
    """A client of the run's application, without credentials; ``settings`` empties its database when the test
    ends."""
    return shared_client


@pytest.fixture
def close_database_connections(shared_client: AppClient) -> Callable[[], None]:
    """Close the pooled connections, so that the next request has to connect again."""
    engine: AsyncEngine = shared_client.app.state.engine

    def close() -> None:
        shared_client.run(engine.dispose())

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
        (route.path_format, method.lower())
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods or ()
    }
