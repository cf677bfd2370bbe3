"""HEAD is answered wherever GET is, with GET's status and headers and no body (RFC 9110, section 9.3.2)."""

import re

import httpx2
import pytest

from {{ cookiecutter.package_name }}.items import URL as ITEMS

from .helpers import create, documented_operations

PATH_PARAMETER = re.compile(r"\{\w+\}")
COMPARED_HEADERS = ("content-type", "content-length", "x-content-type-options")


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/assets/swagger-ui.css", "/nowhere"])
def test_head_of_a_page_is_its_get_without_the_body(client: httpx2.Client, path: str) -> None:
    get, head = client.get(path), client.head(path)

    assert head.status_code == get.status_code
    assert head.content == b""
    assert [head.headers.get(name) for name in COMPARED_HEADERS] == [get.headers.get(name) for name in COMPARED_HEADERS]


def test_head_answers_every_documented_get_operation(client: httpx2.Client) -> None:
    item = create(client, ITEMS, name="Widget")
    paths = [path for path, method in documented_operations(client) if method == "get"]
    assert paths

    for template in paths:
        path = PATH_PARAMETER.sub(str(item["id"]), template)
        get, head = client.get(path), client.head(path)

        assert (path, head.status_code) == (path, get.status_code)
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
