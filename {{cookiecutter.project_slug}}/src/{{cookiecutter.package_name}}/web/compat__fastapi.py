"""Gaps between FastAPI and the contract, each closed here and named after the upstream behaviour."""

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, params
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Lifespan, Scope

from .problems import add_problem_schemas
from .rate_limits import document_rate_limits

HTTP_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")
ROUTE_OPTIONS = set(inspect.signature(APIRouter.add_api_route).parameters) - {"self", "route_class_override"}
"""The options of a path operation: its route keeps each as an attribute of the same name."""


class ProblemDocumentedAPI(FastAPI):
    """FastAPI documents only the models its routes return: add the problem bodies the routes refer to.

    It also documents a security scheme only as its dependency describes it, made before any settings are read:
    ``security_schemes`` replaces those whose details come from the settings.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.security_schemes: dict[str, Any] = {}

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            document = document_rate_limits(add_problem_schemas(super().openapi()))
            if self.security_schemes:
                document["components"].setdefault("securitySchemes", {}).update(self.security_schemes)
            self.openapi_schema = document
        return self.openapi_schema


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Add a router's path operations (and its lifespan) to the application itself, as ``include_router`` did before
    FastAPI 0.137.

    ``include_router`` now keeps the router as one node of the application's routes, which matches every request
    against the router's routes twice (once to find the node, once to handle the request): about a sixth of the time
    the application spends on a health probe.
    """
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r} is not a path operation: include its router with include_router")
        options = {name: getattr(route, name) for name in ROUTE_OPTIONS}
        app.router.add_api_route(**options, route_class_override=type(route))
    app.router.lifespan_context = nested(app.router.lifespan_context, router.lifespan_context)


def nested(outer: Lifespan[Any], inner: Lifespan[Any]) -> Lifespan[Any]:
    """The router's lifespan within the application's, as ``include_router`` nests them."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async with outer(app), inner(app):
            yield

    return lifespan


def routed(scope: Scope) -> bool:
    """Whether a route takes this method and path; if none does, the router answers 404 or 405 itself."""
    return any(route.matches(scope)[0] is Match.FULL for route in scope["app"].router.routes)


def takes_form(scope: Scope) -> bool:
    """Whether the route the router matched reads a form body (the OAuth 2.0 endpoints), not JSON.

    FastAPI does not check a body's media type: it reads a form from any body, and JSON only when it is declared.
    """
    route = scope.get("route")
    body = route.body_field if isinstance(route, APIRoute) else None
    return body is not None and isinstance(body.field_info, params.Form)


def allowed_methods(scope: Scope) -> list[str]:
    """Every method the URL answers: Starlette's 405 names only those of the first route whose path matches."""
    methods = [method for method in HTTP_METHODS if routed({**scope, "method": method})]
    return sorted([*methods, "HEAD"] if "GET" in methods else methods)
