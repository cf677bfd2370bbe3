"""The OpenAPI document, Swagger UI and ReDoc, served with no request to another host."""

import re
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from {{ cookiecutter.package_name }}.settings import Settings

PROBLEM_MEDIA_TYPE = "application/problem+json"
LINKED_URL = re.compile(r'(?:src|href)="([^"]+)"')
EXPECTED_OPERATIONS = {
    ("/health/live", "get"): {"200", "414"},
    ("/health/ready", "get"): {"200", "414", "503"},
    ("/api/v1/items", "get"): {"200", "414", "422", "503"},
    ("/api/v1/items", "post"): {"201", "400", "409", "413", "414", "415", "422", "503"},
    ("/api/v1/items/{item_id}", "get"): {"200", "404", "414", "422", "503"},
    ("/api/v1/items/{item_id}", "patch"): {"200", "400", "404", "409", "413", "414", "415", "422", "503"},
    ("/api/v1/items/{item_id}", "delete"): {"204", "404", "414", "422", "503"},
}
"""Every operation may meet a URL that is too long (414)."""


@pytest.fixture
def openapi(client: httpx2.Client) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_openapi_is_3_1_and_lists_every_operation(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"].startswith("3.1")
    assert all(isinstance(section, dict) for section in openapi["components"].values())
    operations = {
        (path, method): set(operation["responses"])
        for path, path_item in openapi["paths"].items()
        for method, operation in path_item.items()
    }
    assert operations == EXPECTED_OPERATIONS


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
    schemas = openapi["components"]["schemas"]
    for path_item in openapi["paths"].values():
        for operation in path_item.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
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
