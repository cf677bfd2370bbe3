"""Odd requests sent to the production server: each gets a 4xx problem, never a 500.

The requests go over raw sockets, since an HTTP client will not send most of them. They go to the run's shared
server, whose body limit is smaller than the default.

Some requests never reach the application, whatever it does: each server refuses a request line longer than its own
limit (``serve.MAX_REQUEST_LINE_BYTES``), a request target with a NUL byte and a Content-Length it cannot read, with
a 400 or 414 of its own that is not a problem body.
{%- if cookiecutter.__server == "uvicorn" %} uvicorn also closes the connection, without an answer, when a client
stops sending before the end of its body.
{%- endif %}
"""

import pytest

from {{ cookiecutter.package_name }} import serve
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.web.limits import MAX_URL_BYTES

from .auth import sign_in
from .helpers import assert_problem
from .live_server import SHARED_BODY_LIMIT as BODY_LIMIT
from .live_server import Server, exchange, live_client, with_headers

BEYOND_64_BITS = str(2**64)
NESTED_100_000_LEVELS = b"[" * 100_000 + b"]" * 100_000
REQUEST_LINE_BESIDES_THE_URL = len("OPTIONS  HTTP/1.1")
"""The longest method, two spaces and the protocol version."""


def request(
    method: str,
    target: str | bytes,
    body: bytes = b"",
    *,
    content_type: str = "application/json",
    content_length: int | None = None,
) -> bytes:
    """A request on a connection of its own; a body comes with its type and length, unless told otherwise."""
    target = target.encode() if isinstance(target, str) else target
    head = [b"%s %s HTTP/1.1" % (method.encode(), target), b"Host: 127.0.0.1", b"Connection: close"]
    if body:
        length = len(body) if content_length is None else content_length
        head += [f"Content-Type: {content_type}".encode(), b"Content-Length: %d" % length]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def post(body: bytes, *, content_type: str = "application/json", content_length: int | None = None) -> bytes:
    return request("POST", ITEMS, body, content_type=content_type, content_length=content_length)


def get(target: str | bytes) -> bytes:
    return request("GET", target)


def chunked(body: bytes, chunk_size: int = 16 * 1024) -> bytes:
    """A POST of the body in chunks, with Transfer-Encoding: chunked and no Content-Length."""
    chunks = [body[start : start + chunk_size] for start in range(0, len(body), chunk_size)]
    head = f"POST {ITEMS} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    head += "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    return head.encode() + b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"


def url_of(length: int) -> str:
    """A URL of the item list whose path and query string are ``length`` bytes long together."""
    return f"{ITEMS}?q=" + "a" * (length - len(ITEMS) - len("q="))


ANSWERED_BY_THE_APPLICATION = [
    # The body
    pytest.param(post(b'{"name": "Wid'), 422, id="JSON cut short"),
    pytest.param(post(b"{'name': 'Widget'}"), 422, id="malformed JSON"),
    pytest.param(post(b'{"name": "Widget"}', content_type="text/plain"), 415, id="JSON sent as text/plain"),
    pytest.param(post(b"name=Widget", content_type="application/x-www-form-urlencoded"), 415, id="a form"),
    pytest.param(post(b" " * (BODY_LIMIT + 1)), 413, id="over the limit, with Content-Length"),
    pytest.param(chunked(b" " * (BODY_LIMIT + 1)), 413, id="over the limit, chunked"),
    pytest.param(chunked(b" " * BODY_LIMIT), 422, id="at the limit, chunked"),
    pytest.param(post(NESTED_100_000_LEVELS), 400, id="100 000 levels of nesting"),
    pytest.param(post(b'{"name": "Widget", "quantity": %s}' % (b"9" * 5000)), 400, id="integer of 5000 digits"),
    pytest.param(post(b'{"name": "Widget", "quantity": %s}' % BEYOND_64_BITS.encode()), 422, id="integer of 65 bits"),
    pytest.param(post(b'{"name": "Wid\\u0000get"}'), 422, id="NUL in a JSON string"),
    pytest.param(post(b'{"name": "Wid\xffget"}'), 400, id="invalid UTF-8"),
    pytest.param(post(b'{"name": "Widget", "colour": "red"}'), 422, id="unknown field"),
    pytest.param(request("PATCH", f"{ITEMS}/1", b'{"colour": "red"}'), 422, id="unknown field in an update"),
    # The URL
    pytest.param(get(f"{ITEMS}/{BEYOND_64_BITS}"), 422, id="id of 65 bits"),
    pytest.param(get(f"{ITEMS}/{'9' * 5000}"), 422, id="id of 5000 digits"),
    pytest.param(get(f"{ITEMS}/1%00"), 422, id="NUL in the path"),
    pytest.param(get(f"{ITEMS}/1%FF"), 422, id="invalid UTF-8 in the path"),
    pytest.param(get(f"{ITEMS}?q=Wid%00get"), 422, id="NUL in the query"),
    pytest.param(get(f"{ITEMS}?limit={BEYOND_64_BITS}"), 422, id="limit of 65 bits"),
    pytest.param(get(f"{ITEMS}?offset={'9' * 5000}"), 422, id="offset of 5000 digits"),
    pytest.param(get(f"{ITEMS}?limit=-1"), 422, id="negative limit"),
    pytest.param(get(f"{ITEMS}?offset=-1"), 422, id="negative offset"),
    pytest.param(get(f"{ITEMS}?limit=0"), 422, id="limit of zero"),
    pytest.param(get(f"{ITEMS}?offset=1000000001"), 422, id="offset over its maximum"),
    pytest.param(get(url_of(MAX_URL_BYTES)), 422, id="URL at the limit, q too long"),
    pytest.param(get(url_of(MAX_URL_BYTES + 1)), 414, id="URL over the limit"),
    pytest.param(request("POST", url_of(MAX_URL_BYTES + 1), b"{}"), 414, id="URL over the limit, with a body"),
]
LEFT_TO_THE_SERVER = [
    pytest.param(get(url_of(40_000)), 414, id="URL of 40 KB"),
    pytest.param(get(url_of(2 * serve.MAX_REQUEST_LINE_BYTES)), 414, id="URL over the server's limit"),
    pytest.param(get(f"{ITEMS}?q=Wid\x00get".encode()), 422, id="NUL byte in the request line"),
    pytest.param(post(b'{"name": "Widget"}', content_length=2**64), 413, id="Content-Length of 65 bits"),
]


@pytest.fixture
def base_url(shared_server: Server) -> str:
    return shared_server.base_url


@pytest.fixture
def credentials(base_url: str) -> dict[str, str]:
    """The headers of a member of the test's own, so that a request is refused for what it is, not for who sends
    it."""
    with live_client(base_url) as client:
        return sign_in(client)


@pytest.mark.parametrize(("raw_request", "status"), ANSWERED_BY_THE_APPLICATION)
def test_the_application_answers_with_a_problem(
    base_url: str, credentials: dict[str, str], raw_request: bytes, status: int
) -> None:
    answer = exchange(base_url, with_headers(raw_request, credentials))

    assert answer is not None, "the server closed the connection without an answer"
    assert_problem(answer, status)


@pytest.mark.parametrize(("raw_request", "status"), LEFT_TO_THE_SERVER)
def test_the_server_refuses_or_the_application_answers_with_a_problem(
    base_url: str, credentials: dict[str, str], raw_request: bytes, status: int
) -> None:
    """Each server decides whether these reach the application; if they do, it answers with this problem."""
    answer = exchange(base_url, with_headers(raw_request, credentials))

    if answer is not None and answer.headers.get("content-type") == "application/problem+json":
        assert_problem(answer, status)
    else:
        assert answer is None or answer.status_code in {400, 414}


def test_a_body_that_ends_before_its_content_length_is_400_problem_or_no_answer(
    base_url: str, credentials: dict[str, str]
) -> None:
    """The client stops sending (half-closes) after 18 of 99 bytes.{% if cookiecutter.__server == "uvicorn" %} uvicorn then closes the connection unanswered.{% endif %}"""
    cut_short = post(b'{"name": "Widget"}', content_length=99)
    answer = exchange(base_url, with_headers(cut_short, credentials), half_close=True)

    if answer is not None:
        assert_problem(answer, 400)


def test_every_server_lets_through_the_longest_url_the_application_answers() -> None:
    assert MAX_URL_BYTES + REQUEST_LINE_BESIDES_THE_URL <= serve.MAX_REQUEST_LINE_BYTES
