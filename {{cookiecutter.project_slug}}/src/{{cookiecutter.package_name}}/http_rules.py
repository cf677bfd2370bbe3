"""Request rules that both frameworks enforce the same way before a route sees the request."""

from http import HTTPStatus

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_URL_BYTES = 8000
"""The longest path and query string, together, that the application answers; longer ones get 414. Every server's
own limit on the request line lies above it (gunicorn's highest is 8190 bytes), so that the client always gets a
problem body from the application up to this length."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        # Swagger UI and ReDoc set styles inline, and ReDoc runs a web worker from a blob.
        "style-src 'self' 'unsafe-inline'",
        "worker-src 'self' blob:",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
"""Sent on every response."""
CORS_ALLOWED_HEADERS = ["Content-Type", "X-Request-ID"]
CORS_EXPOSED_HEADERS = ["Location", "X-Request-ID"]

DETAILS = {
    HTTPStatus.BAD_REQUEST: "The request body could not be read: it is incomplete, not UTF-8, or JSON too deeply "
    "nested or with a number too long.",
    HTTPStatus.NOT_FOUND: "The requested URL was not found on this server.",
    HTTPStatus.METHOD_NOT_ALLOWED: "The method is not allowed for the requested URL.",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "The request body is larger than this server accepts.",
    HTTPStatus.REQUEST_URI_TOO_LONG: f"The path and query string are longer than {MAX_URL_BYTES} bytes together.",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "The request body must be JSON, sent as Content-Type: application/json.",
    HTTPStatus.SERVICE_UNAVAILABLE: "The database is unavailable; try again later.",
    HTTPStatus.INTERNAL_SERVER_ERROR: "The server failed to handle the request; it has been logged.",
}


def detail_for(status: int) -> str:
    """The detail sentence for an error the framework raises itself, the same on both frameworks."""
    return DETAILS.get(HTTPStatus(status), HTTPStatus(status).description or HTTPStatus(status).phrase)


def is_json_content_type(content_type: str | None) -> bool:
    """Whether a Content-Type header names JSON: ``application/json`` or any ``application/*+json``."""
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def is_url_too_long(path: str, query_string: bytes) -> bool:
    """Whether the (decoded) path and the query string are longer together than this application answers."""
    return len(path.encode(errors="replace")) + len(query_string) > MAX_URL_BYTES
