"""What every request passes: its context (id, headers, log line), CORS when configured, and the request guard.

The context is a WSGI middleware rather than Flask request hooks: it runs before Flask creates its request context,
so every other hook and handler already sees the request id, and it adds the headers to the plain list that reaches
the server, which costs a fraction of Flask's header objects on every request.
"""

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flask import Flask, request
from flask_cors import CORS
from werkzeug.exceptions import BadRequest, RequestURITooLarge, UnsupportedMediaType

from ..core.logging import end_request, log_request, start_request
from ..settings import Settings
from .compat import check_body_length
from .headers import CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, REQUEST_ID_HEADER, SECURITY_HEADERS
from .limits import BODY_METHODS, is_json_content_type, is_url_too_long

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REQUEST_ID_KEY = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")
OWN_HEADER_NAMES = frozenset(name.lower() for name in (*SECURITY_HEADERS, REQUEST_ID_HEADER))
"""Headers the request context sets on every response, replacing any the application set."""


def request_path(environ: "WSGIEnvironment") -> str:
    """The path as Flask reads it: WSGI carries it as Latin-1 text made of the URL's UTF-8 bytes."""
    path: str = environ.get("PATH_INFO", "")
    return "/" + path.encode("latin-1").decode("utf-8", "replace").lstrip("/")


class RequestContext:
    """The outermost layer: a request id, security headers and one log line for every request."""

    def __init__(self, app: "WSGIApplication") -> None:
        self.app = app

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = start_request(environ.get(REQUEST_ID_KEY))
        status = 500

        def start_with_headers(
            status_line: str, headers: list[tuple[str, str]], exc_info: "OptExcInfo | None" = None
        ) -> Callable[[bytes], object]:
            nonlocal status
            status = int(status_line[:3])
            own = [*SECURITY_HEADERS.items(), (REQUEST_ID_HEADER, request_id)]
            kept = [header for header in headers if header[0].lower() not in OWN_HEADER_NAMES]
            return start_response(status_line, kept + own, exc_info)

        try:
            return self.app(environ, start_with_headers)
        finally:
            log_request(environ["REQUEST_METHOD"], request_path(environ), status, started)
            end_request()


def check_request() -> None:
    """Reject an over-long URL, and a body that is not JSON or not whole, before a route reads the request.

    The body's size is capped by MAX_CONTENT_LENGTH. A request for an unknown route or method is left to routing,
    which answers 404 or 405.
    """
    if is_url_too_long(request.path, request.query_string):
        raise RequestURITooLarge()
    if request.method not in BODY_METHODS or request.routing_exception is not None:
        return
    if not is_json_content_type(request.content_type):
        raise UnsupportedMediaType()
    check_body_length(request.get_data())
    try:
        request.get_json()
    except RecursionError as error:
        raise BadRequest() from error


def init_app(app: Flask, settings: Settings) -> None:
    """Wrap the application in the request context and guard its routes; answer cross-origin requests only when
    origins are configured."""
    app.wsgi_app = RequestContext(app.wsgi_app)  # type: ignore[method-assign]
    app.before_request(check_request)
    if settings.cors_origins:
        CORS(
            app,
            origins=settings.cors_origins,
            allow_headers=CORS_ALLOWED_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
        )
