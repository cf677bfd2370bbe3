"""Every error as an RFC 9457 problem: the error vocabulary, invalid requests and the framework's HTTP errors."""

from collections.abc import Mapping

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from ..core.errors import UNREACHABLE_ERRORS, ServiceError
from .compat import allowed_methods
from .problems import PROBLEM_MEDIA_TYPE, Problem, problem, problem_for, validation_problem


def problem_response(body: Problem, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body.model_dump_json(), body.status, headers, PROBLEM_MEDIA_TYPE)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = exc.headers
    if exc.status_code == 405:
        headers = {"Allow": ", ".join(allowed_methods(request.scope))}
    return problem_response(problem(exc.status_code, request.url.path), headers)


async def invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_response(validation_problem(exc.errors(), request.url.path))


async def application_error(request: Request, exc: Exception) -> Response:
    headers = exc.headers if isinstance(exc, ServiceError) else None
    return problem_response(problem_for(exc, request.method, request.url.path), headers)


def add_exception_handlers(app: FastAPI) -> None:
    """Answer the framework's errors, the vocabulary and database failures; the middleware answers anything else."""
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    for error in (ServiceError, DBAPIError, *UNREACHABLE_ERRORS):
        app.add_exception_handler(error, application_error)
