"""Swagger UI and ReDoc pages that load every script and style from this server, never from a CDN."""

from html import escape

OPENAPI_URL = "/openapi.json"
SWAGGER_UI_URL = "/docs"
REDOC_URL = "/redoc"
ASSETS_URL = "/docs/assets"
STATIC_FOLDER = "static"
"""This package's folder of the files the pages need beside the vendors' assets."""

SWAGGER_UI_JS = "swagger-ui-bundle.js"
SWAGGER_UI_CSS = "swagger-ui.css"
SWAGGER_UI_INIT_JS = "swagger-ui-init.js"
REDOC_JS = "redoc.standalone.js"


def page(title: str, head: str, body: str) -> str:
    """An HTML page with an escaped title and the given markup in its head and body."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
{head}</head>
<body>
{body}</body>
</html>
"""


def swagger_ui_page(title: str) -> str:
    """The Swagger UI page; its start-up script is a file too, so no inline script is needed."""
    return page(
        f"{title} - Swagger UI",
        f'<link rel="stylesheet" href="{ASSETS_URL}/{SWAGGER_UI_CSS}">\n',
        f'<div id="swagger-ui" data-openapi-url="{OPENAPI_URL}"></div>\n'
        f'<script src="{ASSETS_URL}/{SWAGGER_UI_JS}"></script>\n'
        f'<script src="{ASSETS_URL}/{SWAGGER_UI_INIT_JS}"></script>\n',
    )


def redoc_page(title: str) -> str:
    """The ReDoc page."""
    return page(
        f"{title} - ReDoc",
        "",
        f'<redoc spec-url="{OPENAPI_URL}"></redoc>\n<script src="{ASSETS_URL}/{REDOC_JS}"></script>\n',
    )
