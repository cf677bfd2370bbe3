"""The outermost middleware: a request id, security headers and one log line for every request."""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import problem_response
from .failures import problem_for
from .http_rules import SECURITY_HEADERS
from .request_log import REQUEST_ID_HEADER, log_request, start_request

REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode("latin-1")
ENCODED_SECURITY_HEADERS = [
    (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS.items()
]
OWN_HEADER_NAMES = frozenset([REQUEST_ID_NAME, *(name for name, _ in ENCODED_SECURITY_HEADERS)])
"""Headers this middleware sets on every response, replacing any the application set; encoded once, since this
runs for every request (ASGI header names are lower case)."""


def incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_NAME:
            return bytes(value).decode("latin-1")
    return None


class RequestContext:
    """Also answers an exception that no handler took with a 500 problem, so that it gets the same headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = start_request(incoming_request_id(scope))
        own_headers = [*ENCODED_SECURITY_HEADERS, (REQUEST_ID_NAME, request_id.encode("latin-1"))]
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", ())
                message["headers"] = [
                    *(header for header in headers if header[0].lower() not in OWN_HEADER_NAMES),
                    *own_headers,
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as error:
            response = problem_response(problem_for(error, scope["method"], scope["path"]))
            await response(scope, receive, send_with_headers)
        finally:
            log_request(scope["method"], scope["path"], status, started)
