"""The Flask application factory."""

from flask import Flask
from flask_openapi.blueprint import APIBlueprint
from flask_openapi.models.info import Info

from . import DESCRIPTION, TITLE, __version__
from .auth.guard import token_subject
from .core import counting, database
from .core.logging import configure_logging
from .core.metrics import measure_pool
from .core.tracing import configure_tracing, trace_statements
from .features import feature_modules
from .settings import Settings
from .web import handlers, middleware, rate_limiting
from .web.compat import ProblemDocumentedAPI, remember_request_schemas
from .web.docs import add_docs
from .web.metrics import add_metrics
from .web.problems import problem_responses

FEATURE_ROUTES = list(feature_modules("routes"))
"""Every feature's ``routes`` module: importing them with the application imports every feature's tables too."""
BLUEPRINTS: list[APIBlueprint] = [blueprint for routes in FEATURE_ROUTES for blueprint in routes.blueprints]
"""Every feature's blueprints, each with its own prefix and tags."""


def create_app(settings: Settings | None = None) -> Flask:
    """Build the application; ``settings`` default to the environment."""
    settings = settings or Settings()
    configure_logging(settings)
    configure_tracing()
    app = ProblemDocumentedAPI(
        __name__,
        info=Info(title=TITLE, description=DESCRIPTION, version=__version__),
        doc_ui=False,
        # Each response body is checked against its documented schema once more in debug: it finds mistakes, and
        # costs time on every request.
        validate_response=settings.debug,
        validation_error_callback=handlers.invalid_request,
        static_folder=None,
        # Any URL may be too long, whatever the operation.
        responses={**problem_responses(414)},
    )
    # No route serves OPTIONS: it gets the 405 of any method a route does not serve, unless it is a CORS preflight.
    app.config.update(DEBUG=settings.debug, MAX_CONTENT_LENGTH=settings.max_body_bytes, PROVIDE_AUTOMATIC_OPTIONS=False)
    app.extensions["settings"] = settings
    database.init_app(app, settings)
    app.extensions[counting.EXTENSION] = counting.redis_client(settings.redis_url)
    # Before the features, which may answer some errors their own way.
    handlers.init_app(app)
    for routes in FEATURE_ROUTES:
        if hasattr(routes, "init_app"):
            routes.init_app(app, settings)
    middleware.init_app(app, settings)
    rate_limiting.init_app(app, settings, token_subject)
    for blueprint in BLUEPRINTS:
        app.register_api(blueprint)
    middleware.guard_bodies(app)
    remember_request_schemas(app)
    if settings.docs_enabled:
        add_docs(app)
    engine = app.extensions[database.EXTENSION].engine
    trace_statements(engine)
    if settings.metrics_enabled:
        measure_pool(engine)
        if settings.metrics_port is None:
            add_metrics(app)
    return app
