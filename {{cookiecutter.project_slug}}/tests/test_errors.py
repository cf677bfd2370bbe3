"""Every error is an RFC 9457 problem, never an HTML page and never a traceback."""

from collections.abc import Callable

import httpx2
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.items import service as items
from {{ cookiecutter.package_name }}.settings import Settings
from {{ cookiecutter.package_name }}.web.limits import MAX_URL_BYTES

from .auth import sign_in
from .helpers import assert_problem


@pytest.mark.parametrize("path", ["/nowhere", f"{ITEMS}/", "/api/v2/items"])
def test_unknown_route_is_404_problem(client: httpx2.Client, path: str) -> None:
    assert_problem(client.get(path), 404)


def test_wrong_method_is_405_problem_with_allow(client: httpx2.Client) -> None:
    response = client.put(f"{ITEMS}/1", json={"name": "Widget"})

    assert_problem(response, 405)
    assert {"DELETE", "GET", "HEAD", "PATCH"} <= {method.strip() for method in response.headers["allow"].split(",")}


@pytest.mark.parametrize("path", [ITEMS, f"{ITEMS}/1", "/health/live"])
def test_options_is_405_problem_with_allow_as_any_method_a_route_does_not_serve(
    client: httpx2.Client, path: str
) -> None:
    """Unless it is the CORS preflight of an allowed origin (see test_request_context)."""
    response = client.options(path)

    assert_problem(response, 405)
    allowed = {method.strip() for method in response.headers["allow"].split(",")}
    assert "GET" in allowed
    assert "OPTIONS" not in allowed


@pytest.mark.parametrize(
    "content", [b'{"name": ', b"{'name': 'x'}", b"nul", b"{}}"], ids=["truncated", "quotes", "word", "trailing"]
)
def test_malformed_json_is_422_problem(client: httpx2.Client, content: bytes) -> None:
    response = client.post(ITEMS, content=content, headers={"content-type": "application/json"})

    body = assert_problem(response, 422)
    assert body["errors"][0]["type"] == "json_invalid"
    assert body["errors"][0]["loc"][0] == "body"


@pytest.mark.parametrize(
    "headers", [{"content-type": "text/plain"}, {"content-type": "application/x-www-form-urlencoded"}, {}]
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_body_that_is_not_json_is_415_problem(client: httpx2.Client, method: str, headers: dict[str, str]) -> None:
    url = ITEMS if method == "POST" else f"{ITEMS}/1"

    assert_problem(client.request(method, url, content=b'{"name": "Widget"}', headers=headers), 415)


@pytest.mark.parametrize(
    "content",
    [b'{"name": "\xff"}', b"[" * 100_000 + b"]" * 100_000, b'{"name": "Widget", "quantity": %s}' % (b"9" * 5000)],
    ids=["not UTF-8", "nested 100 000 levels deep", "integer of 5000 digits"],
)
def test_a_body_that_cannot_be_read_as_json_is_400_problem(client: httpx2.Client, content: bytes) -> None:
    response = client.post(ITEMS, content=content, headers={"content-type": "application/json"})

    assert_problem(response, 400)


@pytest.mark.parametrize(("method", "path"), [("GET", ITEMS), ("POST", ITEMS), ("GET", "/nowhere")])
def test_a_url_over_the_limit_is_414_problem_whatever_the_route(client: httpx2.Client, method: str, path: str) -> None:
    response = client.request(method, path, params={"q": "a" * MAX_URL_BYTES}, json={"name": "Widget"})

    assert_problem(response, 414)


@pytest.mark.parametrize(("method", "path"), [("PUT", "/health/ready"), ("POST", "/nowhere")])
def test_an_unknown_route_or_method_is_404_or_405_whatever_the_body(
    client: httpx2.Client, method: str, path: str
) -> None:
    response = client.request(method, path, content=b"text", headers={"content-type": "text/plain"})

    assert_problem(response, 405 if path == "/health/ready" else 404)


def test_json_with_a_suffix_media_type_is_accepted(client: httpx2.Client) -> None:
    response = client.post(ITEMS, content=b'{"name": "Widget"}', headers={"content-type": "application/merge+json"})

    assert response.status_code == 201


def test_body_over_the_limit_is_413_problem(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings, anonymous_client: httpx2.Client
) -> None:
    client = make_client(settings.model_copy(update={"max_body_bytes": 64}))
    client.headers.update(sign_in(anonymous_client))

    response = client.post(ITEMS, json={"name": "Widget", "description": "x" * 100})

    assert_problem(response, 413)
    assert client.post(ITEMS, json={"name": "Widget"}).status_code == 201


def test_unexpected_error_is_500_problem_without_internals(
    client: httpx2.Client, monkeypatch: pytest.MonkeyPatch, recorded_spans: InMemorySpanExporter
) -> None:
    def fail(*_args: object) -> None:
        raise RuntimeError("secret connection string")

    monkeypatch.setattr(items, "list_items", fail)

    response = client.get(ITEMS)

    body = assert_problem(response, 500)
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert body["title"] == "Internal Server Error"
    (span,) = recorded_spans.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR
    assert body["trace_id"] == format(span.context.trace_id, "032x")
