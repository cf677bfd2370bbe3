"""Builds the Flask application and a client for it: the only test file that knows the framework."""

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx2
import pytest
import schemathesis
from flask import Flask
from schemathesis.specs.openapi.schemas import OpenApiSchema

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.core.database import Database
from {{ cookiecutter.package_name }}.core.logging import configure_logging
from {{ cookiecutter.package_name }}.settings import Settings
from {{ cookiecutter.package_name }}.web.compat import ProblemDocumentedAPI


def checking_responses(app: Flask) -> Flask:
    """The application checking each response body against its documented schema, as it does in debug."""
    assert isinstance(app, ProblemDocumentedAPI)
    app.validate_response = True
    return app


def wsgi_client(app: Flask) -> httpx2.Client:
    return httpx2.Client(transport=httpx2.WSGITransport(app=app), base_url="http://testserver")


PATH_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
AUTOMATIC_METHODS = {"HEAD"}
"""The method Werkzeug answers on every rule by itself, which the OpenAPI document leaves out."""

pytest_plugins = ["tests.auth", "tests.fixtures", "tests.live_server", "tests.traces"{{ ', "tests.worker"' if cookiecutter.jobs == "celery" }}]
"""The signed-in ``client``, the database fixtures, the production server and the trace receiver, which do not
depend on the framework."""


@pytest.fixture
def make_app(session_settings: Settings) -> Iterator[Callable[[Settings], Flask]]:
    """Create applications. When the test ends, their connection pools are closed, their log lines written and the
    run's logging set up again, as the shared application has it."""
    with ExitStack() as created:
        created.callback(configure_logging, session_settings)

        def make(settings: Settings) -> Flask:
            app = checking_responses(create_app(settings))
            database: Database = app.extensions["database"]
            created.callback(database.engine.dispose)
            return app

        yield make


@pytest.fixture(scope="session")
def shared_app(session_settings: Settings) -> Iterator[Flask]:
    """One application for the whole run, created once: creating one per test would cost more than most tests."""
    app = checking_responses(create_app(session_settings))
    yield app
    database: Database = app.extensions["database"]
    database.engine.dispose()


@pytest.fixture
def app(shared_app: Flask, settings: Settings) -> Flask:
    """The run's application; ``settings`` empties its database when the test ends."""
    return shared_app


@pytest.fixture
def make_client(make_app: Callable[[Settings], Flask]) -> Iterator[Callable[[Settings], httpx2.Client]]:
    """Start an application with the given settings and return a client for it."""
    with ExitStack() as running:

        def make(settings: Settings) -> httpx2.Client:
            return running.enter_context(wsgi_client(make_app(settings)))

        yield make


@pytest.fixture
def anonymous_client(app: Flask) -> Iterator[httpx2.Client]:
    """A client of the run's application, without credentials."""
    with wsgi_client(app) as client:
        yield client


@pytest.fixture
def close_database_connections(app: Flask) -> Callable[[], None]:
    """Close the pooled connections, so that the next request has to connect again."""
    database: Database = app.extensions["database"]
    return database.engine.dispose


@pytest.fixture
def api_schema(app: Flask) -> OpenApiSchema:
    """The application's own OpenAPI document, loaded by schemathesis to call the application in-process."""
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


@pytest.fixture
def served_operations(app: Flask) -> set[tuple[str, str]]:
    """The path and method of every route of the features' blueprints that the API document shows, as it spells
    them."""
    return {
        (PATH_PARAMETER.sub(r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if "." in rule.endpoint and app.blueprints[rule.endpoint.partition(".")[0]].doc_ui  # type: ignore[attr-defined]
        for method in (rule.methods or set()) - AUTOMATIC_METHODS
    }
