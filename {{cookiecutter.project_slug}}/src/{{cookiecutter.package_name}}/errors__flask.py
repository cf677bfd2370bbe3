"""Every error as an RFC 9457 problem: error handlers and the request body checks."""

import json
from typing import Any

from flask import Flask, Request, Response, request
from pydantic import ValidationError
from werkzeug.exceptions import (
    BadRequest,
    ClientDisconnected,
    HTTPException,
    MethodNotAllowed,
    RequestEntityTooLarge,
    RequestURITooLarge,
    UnsupportedMediaType,
)

from .failures import EXPECTED_ERRORS, problem_for
from .http_rules import BODY_METHODS, detail_for, is_json_content_type, is_url_too_long
from .problems import PROBLEM_MEDIA_TYPE, Problem, problem, validation_problem
from .routes import REQUEST_LOCATIONS


class MalformedJSONError(ValueError):
    """The request body is not JSON."""

    def __init__(self, position: int) -> None:
        super().__init__(f"Malformed JSON at position {position}.")
        self.position = position


class ApiRequest(Request):
    """A request whose malformed JSON body is a validation error (422), as in FastAPI, not a bare 400."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if isinstance(e, json.JSONDecodeError):
            raise MalformedJSONError(e.pos) from e
        return super().on_json_loading_failed(e)


def problem_response(body: Problem, headers: dict[str, str] | None = None) -> Response:
    return Response(body.model_dump_json(), body.status, headers, mimetype=PROBLEM_MEDIA_TYPE)


def invalid_request(error: ValidationError) -> Response:
    """flask-openapi3's validation callback: name the request part in each ``loc``, as FastAPI does."""
    location = REQUEST_LOCATIONS.get(error.title, "body")
    errors = [{**detail, "loc": (location, *detail["loc"])} for detail in error.errors()]
    return problem_response(validation_problem(errors, request.path))


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


def check_body_length(body: bytes) -> None:
    """Werkzeug ends a body silently where the client stopped sending it, or at the limit when it came chunked."""
    declared_length = request.content_length
    if declared_length is not None and len(body) < declared_length:
        raise ClientDisconnected()
    if declared_length is None and len(body) == request.max_content_length and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()


def http_error(error: HTTPException) -> Response:
    status = error.code or 500
    headers = None
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers = {"Allow": ", ".join(sorted(error.valid_methods))}
    return problem_response(problem(status, detail_for(status), request.path), headers)


def malformed_json(error: MalformedJSONError) -> Response:
    """The error FastAPI reports for a body that is not JSON."""
    decode_error = {"loc": ("body", error.position), "msg": "JSON decode error", "type": "json_invalid"}
    return problem_response(validation_problem([decode_error], request.path))


def application_error(error: Exception) -> Response:
    return problem_response(problem_for(error, request.method, request.path))


def init_app(app: Flask) -> None:
    app.request_class = ApiRequest
    app.before_request(check_request)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(MalformedJSONError, malformed_json)
    for error in (*EXPECTED_ERRORS, Exception):
        app.register_error_handler(error, application_error)
