"""RFC 9457 problem details: the one place that builds every error body and documents it."""

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field

from .request_log import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
SCHEMA_REF = "#/components/schemas/{model}"
UNPROCESSABLE = 422


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


class ValidationProblem(Problem):
    """A 422 response: the request was well-formed but its content is invalid."""

    errors: list[ErrorDetail]


def problem(status: int, detail: str, instance: str) -> Problem:
    """The problem for an HTTP status; ``title`` is the status phrase."""
    return Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
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
