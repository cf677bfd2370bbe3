"""Gaps between Flask, Werkzeug or flask-openapi and the contract, each closed here and named after the behaviour."""

import copy
import inspect
import json
from typing import Any

from flask import Flask, Request, Response, current_app, request
from flask_openapi.openapi import OpenAPI
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from .limits import FORM_MEDIA_TYPE
from .problems import PROBLEM_MEDIA_TYPE, add_problem_schemas
from .rate_limits import document_rate_limits

REQUEST_PARTS = ("path", "query", "header", "body")
"""The names flask-openapi gives a view's parameters for each part of the request, as an error's ``loc`` names them."""
MULTIPART_MEDIA_TYPE = "multipart/form-data"
TAKES_FORM = "takes_form"
"""The attribute that marks a view reading a form body, for the body guard."""
SCHEMA_READ_PARTS = ("query", "form", "header")
"""The parts whose model flask-openapi asks for its JSON schema on every request, to find its list or null fields."""
RESPONSE_PARTS = "x-response-parts"
"""The extension of an operation that carries what its responses add beside their model, such as headers, until the
document puts it in place."""


class ProblemDocumentedAPI(OpenAPI):
    """flask-openapi documents its own validation error list on every operation: document problem bodies instead.

    It also gives the application's own ``responses`` only to routes of the application, not of its blueprints, and
    documents a response's headers only where the response is written out in full, which then cannot name a model:
    a route gives them as an extension of its operation (``response_parts``), which the document moves in place.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # flask-openapi writes OpenAPI 3.2; the contract is 3.1, which the docs pages and the tests' tools read.
        self.openapi_version = "3.1.0"

    @property
    def api_doc(self) -> dict[str, Any]:
        document: dict[str, Any] = super().api_doc
        components = document.setdefault("components", {})
        # flask-openapi writes "securitySchemes": null when there are none, which OpenAPI does not allow.
        if not components.get("securitySchemes"):
            components.pop("securitySchemes", None)
        schemas = components.setdefault("schemas", {})
        schemas.pop(self.validation_error_model.__name__, None)
        for path_item in document["paths"].values():
            for operation in path_item.values():
                responses = operation["responses"]
                # flask-openapi adds a 422 to every operation; keep only the problem ones the routes declare.
                if "422" in responses and PROBLEM_MEDIA_TYPE not in responses["422"].get("content", {}):
                    del responses["422"]
                for status, response in self.responses.items():
                    responses.setdefault(status, response)
                for status, part in operation.pop(RESPONSE_PARTS, {}).items():
                    responses[status].update(part)
                # flask-openapi documents every form as multipart; the body guard takes forms URL-encoded only.
                content = operation.get("requestBody", {}).get("content", {})
                if MULTIPART_MEDIA_TYPE in content:
                    content[FORM_MEDIA_TYPE] = content.pop(MULTIPART_MEDIA_TYPE)
        return document_rate_limits(add_problem_schemas(without_null_defaults(document)))


def remember_request_schemas(app: Flask) -> None:
    """flask-openapi builds the JSON schema of a view's query or form model on every request, to find which fields
    are lists: a third of the time of a page of items. Each such model answers that call from the schema built once
    (a copy, so that no caller changes it); any other call, with options, still builds it."""
    models: set[object] = set()
    for view in app.view_functions.values():
        annotations = inspect.get_annotations(inspect.unwrap(view), eval_str=True)
        models.update(annotations.get(part) for part in SCHEMA_READ_PARTS)
    for model in models:
        if isinstance(model, type) and issubclass(model, BaseModel):
            remember_schema(model)


def remember_schema(model: type[BaseModel]) -> None:
    built = model.model_json_schema.__func__  # type: ignore[attr-defined]
    schema = built(model)

    def model_json_schema(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        if cls is model and not args and not kwargs:
            return copy.deepcopy(schema)
        result: dict[str, Any] = built(cls, *args, **kwargs)
        return result

    model.model_json_schema = classmethod(model_json_schema)  # type: ignore[method-assign,assignment]


def response_parts(parts: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The ``openapi_extensions`` of a route whose responses add these parts of an OpenAPI response object to their
    model, by status (``openapi_extensions=response_parts({200: {"headers": ...}})``)."""
    return {RESPONSE_PARTS: {str(status): part for status, part in parts.items()}}


def without_null_defaults(node: Any) -> Any:
    """The document without ``"default": null``, which flask-openapi writes for every optional field: the contract
    writes no null at all, since an optional field without a default defaults to null."""
    if isinstance(node, dict):
        return {
            key: without_null_defaults(value) for key, value in node.items() if key != "default" or value is not None
        }
    if isinstance(node, list):
        return [without_null_defaults(value) for value in node]
    return node


def request_part(error: ValidationError) -> str:
    """The part of the request a validation error is about: flask-openapi names only the model, in ``title``.

    The view's parameter of that model is named after the part (``path: ItemPath``), so the view says which it is.
    """
    view = inspect.unwrap(current_app.view_functions[request.endpoint or ""])
    for name, parameter in inspect.signature(view, eval_str=True).parameters.items():
        annotation = parameter.annotation
        if name in REQUEST_PARTS and isinstance(annotation, type) and annotation.__name__ == error.title:
            return name
    return "body"


def takes_form() -> bool:
    """Whether the route of the request reads a form body (the OAuth 2.0 endpoints), not JSON."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, TAKES_FORM, False))


class MalformedJSONError(ValueError):
    """The request body is not JSON."""

    def __init__(self, position: int) -> None:
        super().__init__(f"Malformed JSON at position {position}.")
        self.position = position


class ApiRequest(Request):
    """Werkzeug answers a malformed JSON body with a bare 400: make it the contract's validation error (422)."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if isinstance(e, json.JSONDecodeError):
            raise MalformedJSONError(e.pos) from e
        return super().on_json_loading_failed(e)


def check_body_length(body: bytes) -> None:
    """Werkzeug ends a body silently where the client stopped sending it, or at the limit when it came chunked."""
    declared_length = request.content_length
    if declared_length is not None and len(body) < declared_length:
        raise ClientDisconnected()
    if declared_length is None and len(body) == request.max_content_length and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()


def json_response(body: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A model as a JSON response: flask-openapi views return responses, not models."""
    return Response(body.model_dump_json(), status, headers, mimetype="application/json")


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response:
    """A response without a body, and so without a Content-Type, which Flask would otherwise give it (text/html)."""
    response = Response(status=status, headers=headers)
    del response.headers["Content-Type"]
    return response
