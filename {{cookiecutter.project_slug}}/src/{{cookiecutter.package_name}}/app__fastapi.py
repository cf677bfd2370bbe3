"""The FastAPI application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from . import DESCRIPTION, TITLE, __version__
from .auth.guard import token_subject
from .core import counting, database
from .core.logging import configure_logging
from .core.metrics import measure_pool
from .core.tracing import configure_tracing, trace_statements
from .features import feature_modules
from .settings import Settings
from .web.compat import ProblemDocumentedAPI, add_routes
from .web.docs import add_docs
from .web.docs_pages import OPENAPI_URL
from .web.handlers import add_exception_handlers
from .web.headers import CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS
from .web.metrics import add_metrics
from .web.middleware import RequestContext
from .web.problems import problem_responses
from .web.rate_limiting import RateLimiting
from .web.rate_limits import RateLimits

FEATURE_ROUTES = list(feature_modules("routes"))
"""Every feature's ``routes`` module: importing them with the application imports every feature's tables too."""
ROUTERS: list[APIRouter] = [router for routes in FEATURE_ROUTES for router in routes.routers]
"""Every feature's routers, each with its own prefix and tags."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; ``settings`` default to the environment."""
    settings = settings or Settings()
    configure_logging(settings)
    configure_tracing()
    engine = database.create_engine(settings)
    redis = counting.redis_client(settings.redis_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()
        if redis is not None:
            await redis.aclose()

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
        # Any URL may be too long, whatever the operation.
        responses=problem_responses(414),
        # The request context makes each request's span; FastAPI's own would be a second.
        telemetry={"tracing": False},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = database.create_sessions(engine)
    app.state.redis = redis
    # Before the features, which may answer some errors their own way.
    add_exception_handlers(app)
    for routes in FEATURE_ROUTES:
        if hasattr(routes, "init_app"):
            routes.init_app(app, settings)
    limits = RateLimits.from_settings(settings)
    if limits is not None:
        # Inside CORS, so that a 429 carries its headers too.
        app.add_middleware(
            RateLimiting,
            limits=limits,
            settings=settings,
            engine=engine,
            redis=redis,
            subject_of=token_subject,
        )
    if settings.cors_origins:
        # Without allowed origins, browsers refuse cross-origin calls anyway: no middleware needs to run.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=CORS_ALLOWED_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
        )
    # Added last, so that it runs first, around CORS.
    app.add_middleware(RequestContext, measured=settings.metrics_enabled, max_body_bytes=settings.max_body_bytes)
    for router in ROUTERS:
        add_routes(app, router)
    if settings.docs_enabled:
        add_docs(app)
    trace_statements(engine.sync_engine)
    if settings.metrics_enabled:
        measure_pool(engine.sync_engine)
        if settings.metrics_port is None:
            add_metrics(app)
    return app
