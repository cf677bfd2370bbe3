"""The Flask application factory."""

from importlib.resources import files
from typing import Any

from flask import Flask, Response, jsonify, send_from_directory
from flask_openapi3.models.info import Info
from flask_openapi3.openapi import OpenAPI
from werkzeug.exceptions import NotFound

from . import DESCRIPTION, TITLE, __version__, database, errors, request_context
from .docs import REDOC_JS, SWAGGER_UI_CSS, SWAGGER_UI_INIT_JS, SWAGGER_UI_JS, redoc_page, swagger_ui_page
from .paths import ASSETS_URL, OPENAPI_URL, REDOC_URL, STATIC_PACKAGE_DIR, SWAGGER_UI_URL
from .problems import PROBLEM_MEDIA_TYPE, add_problem_schemas
from .request_log import configure_logging
from .routes import health, items_api
from .settings import Settings

ASSET_DIRECTORIES = {
    SWAGGER_UI_JS: ("flask_openapi3_swagger", "templates/swagger/js"),
    SWAGGER_UI_CSS: ("flask_openapi3_swagger", "templates/swagger/css"),
    REDOC_JS: ("flask_openapi3_redoc", "templates/redoc/js"),
    SWAGGER_UI_INIT_JS: (__package__ or "", STATIC_PACKAGE_DIR),
}


class ProblemDocumentedAPI(OpenAPI):
    """flask-openapi3 whose document describes problem bodies instead of its own validation error list."""

    @property
    def api_doc(self) -> dict[str, Any]:
        document: dict[str, Any] = super().api_doc
        components = document.setdefault("components", {})
        # flask-openapi3 writes "securitySchemes": null when there are none, which OpenAPI does not allow.
        if components.get("securitySchemes") is None:
            components.pop("securitySchemes", None)
        schemas = components.setdefault("schemas", {})
        schemas.pop(self.validation_error_model.__name__, None)
        for path_item in document["paths"].values():
            for operation in path_item.values():
                responses = operation["responses"]
                # flask-openapi3 adds a 422 to every operation; keep only the problem ones the routes declare.
                if "422" in responses and PROBLEM_MEDIA_TYPE not in responses["422"].get("content", {}):
                    del responses["422"]
        return add_problem_schemas(document)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the application; ``settings`` default to the environment."""
    settings = settings or Settings()
    configure_logging(settings)
    app = ProblemDocumentedAPI(
        __name__,
        info=Info(title=TITLE, description=DESCRIPTION, version=__version__),
        doc_ui=False,
        validate_response=True,
        validation_error_callback=errors.invalid_request,
        static_folder=None,
    )
    app.config.update(DEBUG=settings.debug, MAX_CONTENT_LENGTH=settings.max_body_bytes)
    database.init_app(app, settings)
    request_context.init_app(app, settings)
    errors.init_app(app)
    app.register_api(health)
    app.register_api(items_api)
    if settings.docs_enabled:
        add_docs(app)
    return app


def add_docs(app: ProblemDocumentedAPI) -> None:
    """Serve the OpenAPI document, Swagger UI and ReDoc with assets from installed packages, so they work offline."""
    title = app.info.title

    def openapi() -> Response:
        return jsonify(app.api_doc)

    def swagger_ui() -> str:
        return swagger_ui_page(title)

    def redoc() -> str:
        return redoc_page(title)

    def asset(name: str) -> Response:
        if name not in ASSET_DIRECTORIES:
            raise NotFound()
        package, folder = ASSET_DIRECTORIES[name]
        return send_from_directory(str(files(package).joinpath(folder)), name)

    app.add_url_rule(OPENAPI_URL, view_func=openapi)
    app.add_url_rule(SWAGGER_UI_URL, view_func=swagger_ui)
    app.add_url_rule(REDOC_URL, view_func=redoc)
    app.add_url_rule(f"{ASSETS_URL}/<name>", view_func=asset)
