"""Idempotency keys on FastAPI: the header of a POST that may be retried, and its answer as a response."""

from typing import Annotated

from fastapi import Header, Request, Response
from pydantic import BaseModel

from ..core.principals import Principal
from ..settings import Settings
from .idempotency import Answer, Claim, IdempotencyKeyHeader

IdempotencyKey = Annotated[IdempotencyKeyHeader, Header()]
"""A POST's Idempotency-Key header."""


def claim(header: IdempotencyKeyHeader, principal: Principal, request: Request, body: BaseModel) -> Claim | None:
    """The principal's claim of the request's key, if it sent one."""
    settings: Settings = request.app.state.settings
    return Claim.of(header, principal, (request.method, request.url.path, body), settings)


def response(answer: Answer) -> Response:
    return Response(answer.body, answer.status, answer.headers)
