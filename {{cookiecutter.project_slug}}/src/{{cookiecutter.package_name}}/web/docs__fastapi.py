"""Swagger UI and ReDoc, served with their assets from installed packages, so they work offline."""

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from .docs_pages import ASSETS_URL, REDOC_URL, STATIC_FOLDER, SWAGGER_UI_URL, redoc_page, swagger_ui_page


def add_docs(app: FastAPI) -> None:
    """Serve the docs pages; FastAPI's own load their scripts from a CDN."""
    assets = StaticFiles(packages=[("fastapi_offline", "static"), (__package__ or "", STATIC_FOLDER)])
    app.mount(ASSETS_URL, assets, name="docs-assets")

    @app.get(SWAGGER_UI_URL, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(swagger_ui_page(app.title))

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return HTMLResponse(redoc_page(app.title))
