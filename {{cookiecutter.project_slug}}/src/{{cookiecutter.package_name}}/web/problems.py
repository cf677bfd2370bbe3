"""RFC 9457 problem details: the one place that builds every error body and documents it."""

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field

from ..core.errors import InvalidRequestError, ServiceError, database_failure
from ..core.logging import current_request_id
from ..core.tracing import current_trace_id
from .limits import MAX_URL_BYTES

PROBLEM_MEDIA_TYPE = "application/problem+json"
SCHEMA_REF = "#/components/schemas/{model}"
UNPROCESSABLE = 422
DETAILS = {
    HTTPStatus.BAD_REQUEST: "The request body could not be read: it is incomplete, not UTF-8, or JSON too deeply "
    "nested or with a number too long.",
    HTTPStatus.NOT_FOUND: "The requested URL was not found on this server.",
    HTTPStatus.METHOD_NOT_ALLOWED: "The method is not allowed for the requested URL.",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "The request body is larger than this server accepts.",
    HTTPStatus.REQUEST_URI_TOO_LONG: f"The path and query string are longer than {MAX_URL_BYTES} bytes together.",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "The request body must have the media type that the operation documents.",
    HTTPStatus.INTERNAL_SERVER_ERROR: "The server failed to handle the request; it has been logged.",
}
"""The detail sentence of each error that the web framework raises itself."""

logger = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    """One reason why a request was invalid."""

    loc: list[str | int] = Field(description="Where the error is: body, query or path, then the field.")
    msg: str
    type: str


class Problem(BaseModel):
    """An error response (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    request_id: str | None = Field(default=None, description="The X-Request-ID of the request, to find it in the logs.")
    trace_id: str | None = Field(
        default_factory=current_trace_id,
        description="The request's OpenTelemetry trace id, when traces are exported, to find its spans.",
    )


class ValidationProblem(Problem):
    """A 422 response: the request was well-formed but its content is invalid."""

    errors: list[ErrorDetail]


def detail_for(status: int) -> str:
    """The detail sentence for an error the framework raises itself."""
    return DETAILS.get(HTTPStatus(status), HTTPStatus(status).description or HTTPStatus(status).phrase)


def problem(status: int, instance: str, detail: str | None = None) -> Problem:
    """The problem for an HTTP status; ``title`` is the status phrase."""
    return Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail or detail_for(status),
        instance=instance,
        request_id=current_request_id(),
    )


def validation_problem(errors: Iterable[Mapping[str, Any]], instance: str) -> ValidationProblem:
    """A 422 problem from Pydantic errors; their input values are left out, they may be large or secret."""
    return ValidationProblem(
        title=HTTPStatus(UNPROCESSABLE).phrase,
        status=UNPROCESSABLE,
        detail="The request is invalid; see errors.",
        instance=instance,
        request_id=current_request_id(),
        errors=[ErrorDetail(loc=list(error["loc"]), msg=error["msg"], type=error["type"]) for error in errors],
    )


def problem_for(error: Exception, method: str, path: str) -> Problem:
    """The problem for an exception a route raised: the vocabulary speaks for itself, anything else is logged as 500."""
    known = error if isinstance(error, ServiceError) else database_failure(error)
    if known is None:
        logger.error("Unhandled error on %s %s", method, path, exc_info=error)
        return problem(HTTPStatus.INTERNAL_SERVER_ERROR, path)
    if known.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.warning("%s %s: %s", method, path, error)
    if isinstance(known, InvalidRequestError):
        return validation_problem(known.errors, path).model_copy(update={"detail": known.detail})
    return Problem(
        title=known.title, status=known.status, detail=known.detail, instance=path, request_id=current_request_id()
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI response objects for the given error statuses, each with a problem body."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": {
                        "$ref": SCHEMA_REF.format(
                            model=(ValidationProblem if status == UNPROCESSABLE else Problem).__name__
                        )
                    }
                }
            },
        }
        for status in statuses
    }


def add_problem_schemas(openapi: dict[str, Any]) -> dict[str, Any]:
    """Add the problem models to the components of an OpenAPI document, in place, and return it."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, ValidationProblem):
        schema = model.model_json_schema(ref_template=SCHEMA_REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return openapi
