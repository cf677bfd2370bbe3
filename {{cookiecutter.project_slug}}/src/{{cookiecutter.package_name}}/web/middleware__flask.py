"""What every request passes: its context (id, headers, URL limit, log line), the body check, and CORS when configured.

The context is a WSGI middleware rather than Flask request hooks: it runs before Flask creates its request context,
so every other hook and handler already sees the request id, and it adds the headers to the plain list that reaches
the server, which costs a fraction of Flask's header objects on every request.
"""

from __future__ import annotations

import contextvars
import re
import time
from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING

from flask import Flask, Response, request
from flask_cors import CORS
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from ..core.logging import log_request, start_request
from ..core.metrics import METRICS_URL, tally
from ..core.tracing import configured as tracing
from ..core.tracing import start_request_span
from ..settings import Settings
from .compat import check_body_length, takes_form
from .handlers import problem_response
from .headers import (
    CORS_ALLOWED_HEADERS,
    CORS_EXPOSED_HEADERS,
    DEFAULT_HEADERS,
    REQUEST_ID_HEADER,
    SECURITY_HEADERS,
)
from .limits import BODY_METHODS, is_form_content_type, is_json_content_type, is_url_too_long
from .problems import problem

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REQUEST_ID_KEY = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")
OWN_HEADER_NAMES = frozenset(name.lower() for name in (*SECURITY_HEADERS, REQUEST_ID_HEADER))
DEFAULT_HEADER_NAMES = frozenset(name.lower() for name in DEFAULT_HEADERS)
SECURITY_HEADER_LIST = list(SECURITY_HEADERS.items())
DEFAULT_HEADER_LIST = list(DEFAULT_HEADERS.items())
ROUTE_KEY = f"{__package__}.route"
RULE_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
"""A variable of a Flask URL rule, ``<int:item_id>``, whose name becomes ``{item_id}`` in the route's template."""


def with_context_headers(headers: Iterable[tuple[str, str]], own: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A response's headers without those the request context replaces, then the defaults it did not set itself,
    then the request context's own."""
    kept = []
    defaults = DEFAULT_HEADER_LIST
    for header in headers:
        name = header[0].lower()
        if name in OWN_HEADER_NAMES:
            continue
        if name in DEFAULT_HEADER_NAMES:
            defaults = [default for default in defaults if default[0].lower() != name]
        kept.append(header)
    return kept + defaults + own


def request_path(environ: WSGIEnvironment) -> str:
    """The path as Flask reads it: WSGI carries it as Latin-1 text made of the URL's UTF-8 bytes."""
    path: str = environ.get("PATH_INFO", "")
    return "/" + path.encode("latin-1").decode("utf-8", "replace").lstrip("/")


@cache
def template_of(rule: str) -> str:
    """The rule as OpenAPI writes its path, which names its route in logs, metrics and traces: ``/items/{item_id}``."""
    return RULE_VARIABLE.sub(r"{\1}", rule)


def remember_route() -> None:
    """Leave the template of the matched rule in the environment, for the request context's metrics and span (none
    for 404 and 405)."""
    if request.url_rule is not None:
        request.environ[ROUTE_KEY] = template_of(request.url_rule.rule)


class RequestContext:
    """The outermost layer: a request id, security headers, one log line, the metrics and the trace span of every
    request, and a 414 problem for an over-long URL before Flask reads the request (``check_body`` checks the
    body)."""

    def __init__(self, app: WSGIApplication, *, measured: bool) -> None:
        self.app = app
        self.measured = measured

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # A context of the request's own: its id is gone with it, not left to the thread's next log lines.
        return contextvars.copy_context().run(self.answer, environ, start_response)

    def answer(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = start_request(environ.get(REQUEST_ID_KEY))
        method = environ["REQUEST_METHOD"]
        path = request_path(environ)
        status = 500
        measured = self.measured and path != METRICS_URL
        if measured:
            tally.started()
        span = start_request_span(method, lambda name: environ.get(f"HTTP_{name.upper()}"))

        def start_with_headers(
            status_line: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> Callable[[bytes], object]:
            nonlocal status
            status = int(status_line[:3])
            own = [*SECURITY_HEADER_LIST, (REQUEST_ID_HEADER, request_id)]
            return start_response(status_line, with_context_headers(headers, own), exc_info)

        try:
            if is_url_too_long(path, environ.get("QUERY_STRING", "").encode("latin-1")):
                return problem_response(problem(414, path))(environ, start_with_headers)
            return self.app(environ, start_with_headers)
        finally:
            log_request(method, path, status, started)
            route = environ.get(ROUTE_KEY)
            if measured:
                tally.finished(method, route, status, time.perf_counter() - started)
            if span is not None:
                span.finish(route, path, status)


def check_body() -> None:
    """Reject a body that is not JSON (or a form, where the route takes one) or not whole, and parse JSON, before the
    view reads it (and flask-openapi validates the path): malformed JSON is answered before authentication.

    The body's size is capped by MAX_CONTENT_LENGTH. A request for an unknown route or method is left to routing,
    which answers 404 or 405.
    """
    if request.method not in BODY_METHODS or request.routing_exception is not None:
        return
    form = takes_form()
    accepted = is_form_content_type if form else is_json_content_type
    if not accepted(request.content_type):
        raise UnsupportedMediaType()
    check_body_length(request.get_data())
    if form:
        return
    try:
        request.get_json()
    except RecursionError as error:
        raise BadRequest() from error


def guard_bodies(app: Flask) -> None:
    """Check bodies before the views of every blueprint with a route that takes one, and before the blueprint's own
    hooks, such as authentication; call it once the blueprints are registered. Other requests, such as health probes,
    skip a hook that would cost them more than its checks."""
    blueprints = {
        rule.endpoint.rpartition(".")[0] or None
        for rule in app.url_map.iter_rules()
        if BODY_METHODS.intersection(rule.methods or ())
    }
    for blueprint in blueprints:
        app.before_request_funcs.setdefault(blueprint, []).insert(0, check_body)


def answer_preflight() -> Response | None:
    """Answer a CORS preflight, to which flask-cors then adds its headers; any other OPTIONS request gets a 405."""
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        return Response(status=200)
    return None


def vary_by_origin(response: Response) -> Response:
    """Tell caches that the answer depends on the request's Origin, whichever origin sent it, if any: flask-cors says
    so only when several origins are allowed, and a cache that kept the answer to one origin would hand its
    ``Access-Control-Allow-Origin`` to another."""
    response.vary.add("Origin")
    return response


def init_app(app: Flask, settings: Settings) -> None:
    """Wrap the application in the request context, measured unless metrics are off; answer cross-origin requests only
    when origins are configured."""
    app.wsgi_app = RequestContext(app.wsgi_app, measured=settings.metrics_enabled)  # type: ignore[method-assign]
    if settings.metrics_enabled or tracing.tracer is not None:
        app.before_request(remember_route)
    if settings.cors_origins:
        CORS(
            app,
            origins=settings.cors_origins,
            allow_headers=CORS_ALLOWED_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
            vary_header=False,
        )
        app.before_request(answer_preflight)
        app.after_request(vary_by_origin)
