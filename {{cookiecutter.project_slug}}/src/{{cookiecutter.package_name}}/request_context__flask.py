"""Per-request hooks: a request id, security headers, CORS and one log line for every request."""

import time

from flask import Flask, Response, g, request
from flask_cors import CORS

from .http_rules import CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, SECURITY_HEADERS
from .request_log import REQUEST_ID_HEADER, current_request_id, end_request, log_request, start_request
from .settings import Settings


def start() -> None:
    g.request_started = time.perf_counter()
    start_request(request.headers.get(REQUEST_ID_HEADER))


def finish(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    response.headers[REQUEST_ID_HEADER] = current_request_id() or ""
    log_request(request.method, request.path, response.status_code, g.request_started)
    return response


def init_app(app: Flask, settings: Settings) -> None:
    """Register the hooks first, so that every other hook and handler already sees the request id."""
    app.before_request(start)
    app.after_request(finish)
    app.teardown_request(end_request)
    CORS(app, origins=settings.cors_origins, allow_headers=CORS_ALLOWED_HEADERS, expose_headers=CORS_EXPOSED_HEADERS)
