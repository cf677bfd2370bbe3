"""The URL of every route, shared by both frameworks so that they serve the same contract."""

HEALTH_URL = "/health"
ITEMS_URL = "/api/v1/items"

OPENAPI_URL = "/openapi.json"
SWAGGER_UI_URL = "/docs"
REDOC_URL = "/redoc"
ASSETS_URL = "/docs/assets"
STATIC_PACKAGE_DIR = "static"


def item_url(item_id: int) -> str:
    """Where an item lives: the ``Location`` of a created item."""
    return f"{ITEMS_URL}/{item_id}"
