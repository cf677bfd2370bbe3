"""Odd requests sent to the production server: each gets a 4xx problem, never a 500.

The requests go over raw sockets, since an HTTP client will not send most of them. They go to the run's shared
server, whose body limit is smaller than the default.

Some requests are left to the server, which either refuses them itself, with an answer of its own that is not a
problem body, or lets them through to the application, which answers with a problem.
{%- if cookiecutter.__server == "granian" %}
granian refuses a request target longer than its limit (``serve.MAX_REQUEST_LINE_BYTES``) with an empty 414, and a
NUL byte in the request line or a Content-Length beyond 64 bits with an empty 400; a body that ends before its
Content-Length reaches the application.
{%- elif cookiecutter.__server == "uvicorn" %}
uvicorn refuses a NUL byte in the request line with a plain-text 400. Its limit on the head
(``serve.MAX_REQUEST_LINE_BYTES``) holds only while the head is still arriving: a longer request line that arrives
whole reaches the application, as does a Content-Length of any size. It closes the connection, without an answer,
when a client stops sending before the end of its body.
{%- else %}
gunicorn refuses a request line longer than its limit (``serve.MAX_REQUEST_LINE_BYTES``) with an HTML 414, and a NUL
byte in it with an HTML 400; a Content-Length of any size, and a body that ends before it, reach the application.
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
{#- What the server does with each request left to it: refuses it itself (THE_SERVER) or lets it through to the
    application (THE_APPLICATION), and the status of the answer; and the Content-Type of its own answers. Seen on a
    bake of each, repeatedly. #}
{%- set left_to = {
    "granian": {
        "URL of 40 KB": "THE_APPLICATION, 414",
        "URL over the limit": "THE_SERVER, 414",
        "NUL byte": "THE_SERVER, 400",
        "Content-Length of 65 bits": "THE_SERVER, 400",
        "own content type": "None",
        "own answers": "empty, with no Content-Type",
    },
    "uvicorn": {
        "URL of 40 KB": "THE_APPLICATION, 414",
        "URL over the limit": "THE_APPLICATION, 414",
        "NUL byte": "THE_SERVER, 400",
        "Content-Length of 65 bits": "THE_APPLICATION, 413",
        "own content type": '"text/plain; charset=utf-8"',
        "own answers": "plain text",
    },
    "gunicorn": {
        "URL of 40 KB": "THE_SERVER, 414",
        "URL over the limit": "THE_SERVER, 414",
        "NUL byte": "THE_SERVER, 400",
        "Content-Length of 65 bits": "THE_APPLICATION, 413",
        "own content type": '"text/html"',
        "own answers": "HTML pages",
    },
}[cookiecutter.__server] %}
THE_SERVER = "the server"
"""The server refuses the request itself, with an answer of its own."""
THE_APPLICATION = "the application"
"""The server lets the request through, and the application answers with a problem."""
SERVERS_OWN_CONTENT_TYPE = {{ left_to["own content type"] }}
"""{{ cookiecutter.__server }}'s own answers are {{ left_to["own answers"] }}."""
LEFT_TO_THE_SERVER = [
    pytest.param(get(url_of(40_000)), {{ left_to["URL of 40 KB"] }}, id="URL of 40 KB"),
    pytest.param(get(url_of(2 * serve.MAX_REQUEST_LINE_BYTES)), {{ left_to["URL over the limit"] }}, id="URL over the server's limit"),
    pytest.param(get(f"{ITEMS}?q=Wid\x00get".encode()), {{ left_to["NUL byte"] }}, id="NUL byte in the request line"),
    pytest.param(post(b"{}", content_length=2**64), {{ left_to["Content-Length of 65 bits"] }}, id="Content-Length of 65 bits"),
]
"""What the server does with each: refuses it itself, or lets the application answer, and with which status."""


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


@pytest.mark.parametrize(("raw_request", "answerer", "status"), LEFT_TO_THE_SERVER)
def test_the_server_refuses_or_the_application_answers_with_a_problem(
    base_url: str, credentials: dict[str, str], raw_request: bytes, answerer: str, status: int
) -> None:
    answer = exchange(base_url, with_headers(raw_request, credentials))

    assert answer is not None, "the server closed the connection without an answer"
    if answerer == THE_APPLICATION:
        assert_problem(answer, status)
    else:
        assert answer.status_code == status, answer.text
        assert answer.headers.get("content-type") == SERVERS_OWN_CONTENT_TYPE, answer.text
{%- if cookiecutter.__server == "uvicorn" %}


def test_a_body_that_ends_before_its_content_length_gets_no_answer(base_url: str, credentials: dict[str, str]) -> None:
    """The client stops sending (half-closes) after 18 of 99 bytes; uvicorn then closes the connection unanswered."""
    cut_short = post(b'{"name": "Widget"}', content_length=99)
    answer = exchange(base_url, with_headers(cut_short, credentials), half_close=True)

    assert answer is None, answer.text


def test_uvicorn_refuses_a_head_over_its_limit_while_it_is_still_arriving(
    base_url: str, credentials: dict[str, str]
) -> None:
    """A head that stops, unfinished, past the limit: uvicorn answers it without waiting for the rest (under the
    limit, it would wait, and the exchange time out)."""
    head = with_headers(get(url_of(2 * serve.MAX_REQUEST_LINE_BYTES)), credentials)
    answer = exchange(base_url, head.removesuffix(b"\r\n\r\n"))

    assert answer is not None, "the server closed the connection without an answer"
    assert answer.status_code == 400, answer.text
    assert answer.headers.get("content-type") == SERVERS_OWN_CONTENT_TYPE, answer.text
{%- else %}


def test_a_body_that_ends_before_its_content_length_is_a_400_problem(
    base_url: str, credentials: dict[str, str]
) -> None:
    """The client stops sending (half-closes) after 18 of 99 bytes; the application still answers."""
    cut_short = post(b'{"name": "Widget"}', content_length=99)
    answer = exchange(base_url, with_headers(cut_short, credentials), half_close=True)

    assert answer is not None, "the server closed the connection without an answer"
    assert_problem(answer, 400)
{%- endif %}


def test_every_server_lets_through_the_longest_url_the_application_answers() -> None:
    assert MAX_URL_BYTES + REQUEST_LINE_BESIDES_THE_URL <= serve.MAX_REQUEST_LINE_BYTES
