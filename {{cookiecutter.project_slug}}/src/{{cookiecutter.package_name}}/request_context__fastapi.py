"""The outermost middleware: a request id, security headers and one log line for every request."""

import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import problem_response
from .failures import problem_for
from .http_rules import SECURITY_HEADERS
from .request_log import REQUEST_ID_HEADER, log_request, start_request


class RequestContext:
    """Also answers an exception that no handler took with a 500 problem, so that it gets the same headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = start_request(Headers(scope=scope).get(REQUEST_ID_HEADER))
        response_headers = {**SECURITY_HEADERS, REQUEST_ID_HEADER: request_id}
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).update(response_headers)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as error:
            response = problem_response(problem_for(error, scope["method"], scope["path"]))
            await response(scope, receive, send_with_headers)
        finally:
            log_request(scope["method"], scope["path"], status, started)
