"""The FastAPI application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from . import DESCRIPTION, TITLE, __version__, database
from .docs import redoc_page, swagger_ui_page
from .errors import RequestGuard, add_exception_handlers
from .http_rules import CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS
from .paths import ASSETS_URL, OPENAPI_URL, REDOC_URL, STATIC_PACKAGE_DIR, SWAGGER_UI_URL
from .problems import add_problem_schemas
from .request_context import RequestContext
from .request_log import configure_logging
from .routes import health, items_api
from .settings import Settings


class ProblemDocumentedAPI(FastAPI):
    """FastAPI whose OpenAPI document also describes the problem bodies the routes refer to."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = add_problem_schemas(super().openapi())
        return self.openapi_schema


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; ``settings`` default to the environment."""
    settings = settings or Settings()
    configure_logging(settings)
    engine = database.create_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = ProblemDocumentedAPI(
        title=TITLE,
        description=DESCRIPTION,
        version=__version__,
        debug=settings.debug,
        lifespan=lifespan,
        openapi_url=OPENAPI_URL if settings.docs_enabled else None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
    )
    app.state.engine = engine
    app.state.sessions = database.create_sessions(engine)
    # The last middleware added runs first: the request context wraps CORS, which wraps the request guard.
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        # Without allowed origins, browsers refuse cross-origin calls anyway: no middleware needs to run.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=CORS_ALLOWED_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
        )
    app.add_middleware(RequestContext)
    add_exception_handlers(app)
    app.include_router(health)
    app.include_router(items_api)
    if settings.docs_enabled:
        add_docs(app)
    return app


def add_docs(app: FastAPI) -> None:
    """Serve Swagger UI and ReDoc with their assets from installed packages, so they work offline."""
    assets = StaticFiles(packages=[("fastapi_offline", "static"), (__package__ or "", STATIC_PACKAGE_DIR)])
    app.mount(ASSETS_URL, assets, name="docs-assets")

    @app.get(SWAGGER_UI_URL, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(swagger_ui_page(app.title))

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return HTMLResponse(redoc_page(app.title))
