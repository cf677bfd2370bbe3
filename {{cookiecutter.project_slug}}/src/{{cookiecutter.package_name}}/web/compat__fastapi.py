"""Gaps between FastAPI and the contract, each closed here and named after the upstream behaviour."""

import inspect
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import add_problem_schemas

HTTP_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")
ROUTE_OPTIONS = set(inspect.signature(APIRouter.add_api_route).parameters) - {"self", "route_class_override"}
"""The options of a path operation: its route keeps each as an attribute of the same name."""


class ProblemDocumentedAPI(FastAPI):
    """FastAPI documents only the models its routes return: add the problem bodies the routes refer to."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = add_problem_schemas(super().openapi())
        return self.openapi_schema


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Add a router's path operations to the application itself, as ``include_router`` did before FastAPI 0.137.

    ``include_router`` now keeps the router as one node of the application's routes, which matches every request
    against the router's routes twice (once to find the node, once to handle the request): about a sixth of the time
    the application spends on a health probe.
    """
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r} is not a path operation: include its router with include_router")
        options = {name: getattr(route, name) for name in ROUTE_OPTIONS}
        app.router.add_api_route(**options, route_class_override=type(route))


def routed(scope: Scope) -> bool:
    """Whether a route takes this method and path; if none does, the router answers 404 or 405 itself."""
    return any(route.matches(scope)[0] is Match.FULL for route in scope["app"].router.routes)


def allowed_methods(scope: Scope) -> list[str]:
    """Every method the URL answers: Starlette's 405 names only those of the first route whose path matches."""
    methods = [method for method in HTTP_METHODS if routed({**scope, "method": method})]
    return sorted([*methods, "HEAD"] if "GET" in methods else methods)


class HeadAsGet:
    """Answer HEAD wherever GET is served, with GET's headers and no body (RFC 9110, section 9.3.2).

    FastAPI routes a HEAD request only to a route that declares HEAD, so it would answer 405.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
