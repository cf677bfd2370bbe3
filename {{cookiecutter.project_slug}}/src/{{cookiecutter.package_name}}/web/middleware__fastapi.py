"""The one middleware every request passes: its id, headers, log line, metrics and span, HEAD as GET, and the limits
on its URL and body."""

import time
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.logging import log_request, start_request
from ..core.metrics import METRICS_URL, tally
from ..core.tracing import start_request_span
from .compat import takes_form
from .handlers import problem_response
from .headers import DEFAULT_HEADERS, REQUEST_ID_HEADER, SECURITY_HEADERS
from .limits import BODY_METHODS, is_form_content_type, is_json_content_type, is_url_too_long
from .problems import problem, problem_for

RawHeader = tuple[bytes, bytes]
"""A header as ASGI carries it: the name in lower case, both in bytes."""


def encoded(headers: dict[str, str]) -> list[RawHeader]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


# Encoded once, since they are sent with every response.
REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode("latin-1")
ENCODED_SECURITY_HEADERS = encoded(SECURITY_HEADERS)
ENCODED_DEFAULT_HEADERS = encoded(DEFAULT_HEADERS)
OWN_HEADER_NAMES = frozenset([REQUEST_ID_NAME, *(name for name, _ in ENCODED_SECURITY_HEADERS)])
DEFAULT_HEADER_NAMES = frozenset(name for name, _ in ENCODED_DEFAULT_HEADERS)


def with_context_headers(headers: Iterable[RawHeader], own_headers: list[RawHeader]) -> list[RawHeader]:
    """A response's headers without those the request context replaces, then the defaults it did not set itself,
    then the request context's own."""
    kept = []
    defaults = ENCODED_DEFAULT_HEADERS
    for header in headers:
        name = header[0].lower()
        if name in OWN_HEADER_NAMES:
            continue
        if name in DEFAULT_HEADER_NAMES:
            defaults = [default for default in defaults if default[0] != name]
        kept.append(header)
    return kept + defaults + own_headers


def header_value(scope: Scope, name: bytes) -> str | None:
    """A request header's value; ``name`` in lower case, as ASGI gives header names."""
    for header, value in scope["headers"]:
        if header == name:
            return bytes(value).decode("latin-1")
    return None


def incoming_request_id(scope: Scope) -> str | None:
    return header_value(scope, REQUEST_ID_NAME)


def route_template(scope: Scope) -> str | None:
    """The path template of the route that answered, such as ``/api/v1/items/{item_id}``; routing leaves the route in
    the scope, on a partial match (405) too."""
    route = scope.get("route")
    if route is None or scope["method"] not in getattr(route, "methods", ()):
        return None
    path: str = route.path_format
    return path


class RequestContext:
    """The outermost middleware, one pass for what every request needs: a request id, security headers, one log line,
    the metrics and the trace span.

    It answers HEAD wherever GET is served, with GET's headers and no body (RFC 9110, section 9.3.2): FastAPI routes
    HEAD only to a route that declares it, and would answer 405. It answers 414 to an over-long URL, and checks a
    body as the route first reads it: 415 to a body that is not JSON (or a form, where the route takes one), 413 to
    one over the limit, also chunked. The router has found the route by then (an unknown URL or method gets its 404
    or 405 from routing), so that no request is matched against the routes twice.

    It also answers an exception that no handler took with a 500 problem, so that it gets the same headers, unless
    the response has already started: then the server ends the connection, and the client sees it cut short.
    """

    def __init__(self, app: ASGIApp, *, measured: bool, max_body_bytes: int) -> None:
        self.app = app
        self.measured = measured
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope["path"]
        method = scope["method"]
        measured = self.measured and path != METRICS_URL
        if measured:
            tally.started()
        span = start_request_span(method, lambda name: header_value(scope, name.encode("latin-1")))
        request_id = start_request(incoming_request_id(scope))
        own_headers = [*ENCODED_SECURITY_HEADERS, (REQUEST_ID_NAME, request_id.encode("latin-1"))]
        status = 500
        response_started = False
        head = method == "HEAD"

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = with_context_headers(message.get("headers", ()), own_headers)
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            if is_url_too_long(path, scope["query_string"]):
                await problem_response(problem(414, path))(scope, receive, send_with_headers)
                return
            if head:
                # Changed in place, so that the route this request is measured by is the one routing finds for GET.
                scope["method"] = "GET"
            elif method in BODY_METHODS:
                receive = self._checked(scope, receive)
            await self.app(scope, receive, send_with_headers)
        except Exception as error:
            body = problem_for(error, method, path)
            if response_started:
                raise
            await problem_response(body)(scope, receive, send_with_headers)
        finally:
            log_request(method, path, status, started)
            route = route_template(scope)
            if measured:
                tally.finished(method, route, status, time.perf_counter() - started)
            if span is not None:
                span.finish(route, path, status)

    def _rejection(self, scope: Scope) -> int | None:
        """The status that refuses the body before any of it is read, from the request's headers."""
        headers = Headers(scope=scope)
        accepted = is_form_content_type if takes_form(scope) else is_json_content_type
        if not accepted(headers.get("content-type")):
            return 415
        declared_length = headers.get("content-length", "")
        if declared_length.isascii() and declared_length.isdigit() and int(declared_length) > self.max_body_bytes:
            return 413
        return None

    def _checked(self, scope: Scope, receive: Receive) -> Receive:
        received: int | None = None

        async def receive_checked() -> Message:
            nonlocal received
            if received is None:
                rejection = self._rejection(scope)
                if rejection is not None:
                    raise HTTPException(rejection)
                received = 0
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise HTTPException(413)
            return message

        return receive_checked
