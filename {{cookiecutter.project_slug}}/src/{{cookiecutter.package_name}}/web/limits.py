"""What a request must be before any route reads it: its URL and its body."""

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
MAX_URL_BYTES = 8000
"""The longest path and query string, together, that the application answers; longer ones get 414. Every server's
own limit on the request line lies above it (``serve.MAX_REQUEST_LINE_BYTES``), so that the client always gets a
problem body from the application up to this length."""


def is_json_content_type(content_type: str | None) -> bool:
    """Whether a Content-Type header names JSON: ``application/json`` or any ``application/*+json``."""
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def is_form_content_type(content_type: str | None) -> bool:
    """Whether a Content-Type header names an HTML form's encoding, which the OAuth 2.0 endpoints take."""
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == FORM_MEDIA_TYPE


def is_url_too_long(path: str, query_string: bytes) -> bool:
    """Whether the (decoded) path and the query string are longer together than this application answers."""
    return len(path.encode(errors="replace")) + len(query_string) > MAX_URL_BYTES
