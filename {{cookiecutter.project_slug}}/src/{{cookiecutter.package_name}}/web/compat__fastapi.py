"""Gaps between FastAPI and the contract, each closed here and named after the upstream behaviour."""

from typing import Any

from fastapi import FastAPI
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import add_problem_schemas

HTTP_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")


class ProblemDocumentedAPI(FastAPI):
    """FastAPI documents only the models its routes return: add the problem bodies the routes refer to."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = add_problem_schemas(super().openapi())
        return self.openapi_schema


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
