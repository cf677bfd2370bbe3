"""The OpenAPI document, Swagger UI and ReDoc, served with no request to another host."""

import re
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from {{ cookiecutter.package_name }}.settings import Settings

from .auth import OAUTH_OPERATIONS

PROBLEM_MEDIA_TYPE = "application/problem+json"
LINKED_URL = re.compile(r'(?:src|href)="([^"]+)"')
BODY_ERRORS = {"400", "413", "415", "422"}
"""What any operation that reads a body may answer: unreadable, too large, not JSON, invalid."""

OAUTH_ERRORS = {(operation, "400") for operation in OAUTH_OPERATIONS}
Operations = dict[tuple[str, str], dict[str, Any]]


@pytest.fixture
def openapi(client: httpx2.Client) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations_of(openapi: dict[str, Any]) -> Operations:
    """Each operation of the document by path and method."""
    return {
        (path, method): operation
        for path, path_item in openapi["paths"].items()
        for method, operation in path_item.items()
    }


def test_openapi_is_3_1_and_documents_every_operation_the_app_serves(
    openapi: dict[str, Any], served_operations: set[tuple[str, str]]
) -> None:
    assert openapi["openapi"].startswith("3.1")
    assert all(isinstance(section, dict) for section in openapi["components"].values())
    assert set(operations_of(openapi)) == served_operations


def test_every_operation_documents_the_errors_it_can_meet(openapi: dict[str, Any]) -> None:
    """Any URL may be too long; a body may be unreadable or invalid; a parameter invalid; an id unknown."""
    for (path, method), operation in operations_of(openapi).items():
        statuses = set(operation["responses"])
        parameters = operation.get("parameters", [])
        expected = {"414"}
        if "requestBody" in operation:
            expected |= BODY_ERRORS
        if parameters:
            expected.add("422")
        if any(parameter["in"] == "path" for parameter in parameters):
            expected.add("404")
        assert expected <= statuses, f"{method.upper()} {path} documents {sorted(statuses)}"
        assert any(status.startswith("2") for status in statuses), f"{method.upper()} {path} has no success"


def test_every_creation_documents_where_its_resource_lives(openapi: dict[str, Any]) -> None:
    """A 201 answers the new resource's URL in Location, and a client generated from the document reads it there."""
    operations = operations_of(openapi).items()
    created = {key: operation["responses"]["201"] for key, operation in operations if "201" in operation["responses"]}
    assert created, "the items at least answer 201"
    for (path, method), response in created.items():
        assert "Location" in response.get("headers", {}), f"{method.upper()} {path}"


def keys_in(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node).union(*(keys_in(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(keys_in(value) for value in node))
    return set()


def test_openapi_constraints_are_json_schema_keywords(openapi: dict[str, Any]) -> None:
    """Pydantic's own names (ge, le) in a schema mean the constraint is lost on clients and fuzzers."""
    assert not keys_in(openapi) & {"ge", "gt", "le", "lt"}


def test_openapi_documents_errors_as_problems(openapi: dict[str, Any]) -> None:
    """Every error is a problem, but the token endpoint's 400, whose body RFC 6749 spells out."""
    schemas = openapi["components"]["schemas"]
    for operation_key, operation in operations_of(openapi).items():
        for status, response in operation["responses"].items():
            if int(status) >= 400 and (operation_key, status) not in OAUTH_ERRORS:
                reference = response["content"][PROBLEM_MEDIA_TYPE]["schema"]["$ref"]
                assert reference.rsplit("/", 1)[1] in schemas
    assert set(schemas["ValidationProblem"]["required"]) >= {"title", "status", "detail", "instance", "errors"}


@pytest.mark.parametrize(("page", "marker"), [("/docs", 'id="swagger-ui"'), ("/redoc", "<redoc")])
def test_docs_pages_load_every_asset_from_this_server(client: httpx2.Client, page: str, marker: str) -> None:
    response = client.get(page)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert marker in response.text
    linked = LINKED_URL.findall(response.text)
    assert linked
    for url in linked:
        assert url.startswith("/"), f"{url} is not served by this server"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].split(";")[0] in {"text/javascript", "text/css"}, url
        assert len(asset.content) > 100, url


def test_unknown_docs_asset_is_404_problem(client: httpx2.Client) -> None:
    response = client.get("/docs/assets/nothing.js")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/assets/swagger-ui.css"])
def test_docs_can_be_switched_off(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings, path: str
) -> None:
    client = make_client(settings.model_copy(update={"docs_enabled": False}))

    assert client.get(path).status_code == 404
