"""Server-rendered pages beside the API: the items as HTML at ``/items``, on the same service layer and models.

The routes are the thin part; ``templates/`` and ``static/`` (htmx and the style sheet, served by the application)
and the modules here are what the pages are made of: the form handling, the CSRF protection bound to a cookie, and
the rendering.
"""

from pathlib import Path

ITEMS_URL = "/items"
STATIC_URL = "/static"
FOLDER = Path(__file__).parent
TEMPLATES_FOLDER = FOLDER / "templates"
STATIC_FOLDER = FOLDER / "static"
NOT_PAGES = ("/api/", "/health/", "/docs", "/redoc", "/openapi.json", "/metrics")
"""The URLs of the API and of the service's machinery, whose errors are always problem documents."""


def shows_error_page(path: str, accept: str | None) -> bool:
    """Whether an error outside the pages' routes, such as an unknown URL, is answered with a page: on the pages'
    URLs, to a browser, which asks for HTML first; an API client keeps its problem document."""
    media_type = (accept or "").split(",", 1)[0].split(";", 1)[0].strip().lower()
    return media_type == "text/html" and not path.startswith(NOT_PAGES)


def item_url(item_id: int) -> str:
    """An item's page."""
    return f"{ITEMS_URL}/{item_id}"
