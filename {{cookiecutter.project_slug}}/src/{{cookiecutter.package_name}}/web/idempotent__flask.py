"""Idempotency keys on Flask: the claim of a POST that may be retried, and its answer as a response."""

from flask import Response, current_app, request
from pydantic import BaseModel

from ..core.principals import Principal
from ..settings import Settings
from .idempotency import Answer, Claim, IdempotencyKeyHeader


def claim(header: IdempotencyKeyHeader, principal: Principal, body: BaseModel) -> Claim | None:
    """The principal's claim of the request's key, if it sent one."""
    settings: Settings = current_app.extensions["settings"]
    return Claim.of(header, principal, (request.method, request.path, body), settings)


def response(answer: Answer) -> Response:
    return Response(answer.body, answer.status, answer.headers)
