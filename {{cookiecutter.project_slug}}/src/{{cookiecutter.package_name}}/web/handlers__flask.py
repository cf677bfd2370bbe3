"""Every error as an RFC 9457 problem: the error vocabulary, invalid requests and the framework's HTTP errors."""

from collections.abc import Mapping

from flask import Flask, Response, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..core.errors import ServiceError
from .compat import ApiRequest, MalformedJSONError, request_part
from .problems import PROBLEM_MEDIA_TYPE, Problem, problem, problem_for, validation_problem


def problem_response(body: Problem, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body.model_dump_json(), body.status, headers, mimetype=PROBLEM_MEDIA_TYPE)


def invalid_request(error: ValidationError) -> Response:
    """flask-openapi's validation callback: name the request part first in each ``loc`` (``body``, ``query``...)."""
    part = request_part(error)
    errors = [{**detail, "loc": (part, *detail["loc"])} for detail in error.errors()]
    return problem_response(validation_problem(errors, request.path))


def http_error(error: HTTPException) -> Response:
    status = error.code or 500
    headers = None
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers = {"Allow": ", ".join(sorted(error.valid_methods))}
    return problem_response(problem(status, request.path), headers)


def malformed_json(error: MalformedJSONError) -> Response:
    """The validation error of a body that is not JSON, at the position where it stops being JSON."""
    decode_error = {"loc": ("body", error.position), "msg": "JSON decode error", "type": "json_invalid"}
    return problem_response(validation_problem([decode_error], request.path))


def application_error(error: Exception) -> Response:
    """The vocabulary, database failures, and anything unexpected as a 500."""
    headers = error.headers if isinstance(error, ServiceError) else None
    return problem_response(problem_for(error, request.method, request.path), headers)


def init_app(app: Flask) -> None:
    app.request_class = ApiRequest
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(MalformedJSONError, malformed_json)
    app.register_error_handler(Exception, application_error)
