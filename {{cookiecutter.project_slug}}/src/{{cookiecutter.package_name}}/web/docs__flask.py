"""The OpenAPI document, Swagger UI and ReDoc, with their assets from installed packages, so they work offline."""

from importlib.resources import files

from flask import Response, jsonify, send_from_directory
from flask_openapi.models.info import Info
from werkzeug.exceptions import NotFound

from .compat import ProblemDocumentedAPI
from .docs_pages import (
    ASSETS_URL,
    OPENAPI_URL,
    REDOC_JS,
    REDOC_URL,
    STATIC_FOLDER,
    SWAGGER_UI_CSS,
    SWAGGER_UI_INIT_JS,
    SWAGGER_UI_JS,
    SWAGGER_UI_URL,
    redoc_page,
    swagger_ui_page,
)

ASSET_DIRECTORIES = {
    SWAGGER_UI_JS: ("flask_openapi_swagger", "templates/swagger/js"),
    SWAGGER_UI_CSS: ("flask_openapi_swagger", "templates/swagger/css"),
    REDOC_JS: ("flask_openapi_redoc", "templates/redoc/js"),
    SWAGGER_UI_INIT_JS: (__package__ or "", STATIC_FOLDER),
}


def add_docs(app: ProblemDocumentedAPI) -> None:
    """Serve the docs at ``/docs`` and ``/redoc``, instead of flask-openapi's own URLs."""
    title = app.info.title if isinstance(app.info, Info) else str(app.info["title"])

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
