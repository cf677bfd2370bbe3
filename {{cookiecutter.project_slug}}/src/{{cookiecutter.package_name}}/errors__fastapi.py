"""Every error as an RFC 9457 problem: exception handlers and the request guard."""

from collections.abc import Mapping

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .failures import EXPECTED_ERRORS, problem_for
from .http_rules import BODY_METHODS, detail_for, is_json_content_type, is_url_too_long
from .problems import PROBLEM_MEDIA_TYPE, Problem, problem, validation_problem

HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def problem_response(body: Problem, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body.model_dump_json(), body.status, headers, PROBLEM_MEDIA_TYPE)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = exc.headers
    if exc.status_code == 405:
        headers = {"Allow": ", ".join(allowed_methods(request))}
    return problem_response(problem(exc.status_code, detail_for(exc.status_code), request.url.path), headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method the URL answers; Starlette names only those of the first route whose path matches."""
    return [method for method in HTTP_METHODS if routed({**request.scope, "method": method})]


async def invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_response(validation_problem(exc.errors(), request.url.path))


async def application_error(request: Request, exc: Exception) -> Response:
    return problem_response(problem_for(exc, request.method, request.url.path))


def add_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    for error in EXPECTED_ERRORS:
        app.add_exception_handler(error, application_error)


def routed(scope: Scope) -> bool:
    """Whether a route takes this method and path; if none does, the router answers 404 or 405 itself."""
    return any(route.matches(scope)[0] is Match.FULL for route in scope["app"].router.routes)


class RequestGuard:
    """Answer 414 to an over-long URL, 415 to a body that is not JSON and 413 to one over the limit, also chunked."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rejection = self._rejection(scope)
        if rejection is not None:
            response = problem_response(problem(rejection, detail_for(rejection), scope["path"]))
            await response(scope, receive, send)
        elif scope["method"] in BODY_METHODS:
            await self.app(scope, self._limited(receive), send)
        else:
            await self.app(scope, receive, send)

    def _rejection(self, scope: Scope) -> int | None:
        """The status that answers the request before any route reads it; routing answers 404 and 405 itself."""
        if is_url_too_long(scope["path"], scope["query_string"]):
            return 414
        if scope["method"] not in BODY_METHODS or not routed(scope):
            return None
        headers = Headers(scope=scope)
        if not is_json_content_type(headers.get("content-type")):
            return 415
        declared_length = headers.get("content-length", "")
        if declared_length.isascii() and declared_length.isdigit() and int(declared_length) > self.max_body_bytes:
            return 413
        return None

    def _limited(self, receive: Receive) -> Receive:
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise HTTPException(413)
            return message

        return receive_within_limit
