"""The headers every response carries, and those a browser may send and read across origins."""

REQUEST_ID_HEADER = "X-Request-ID"
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
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
"""Sent on every response, in place of any the application set."""
DEFAULT_HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY}
"""Sent on every response that does not set its own, such as a page with a stricter policy."""
LOCATED = {
    "headers": {
        "Location": {
            "description": "Where the resource that the request created lives.",
            "schema": {"type": "string", "format": "uri-reference"},
        }
    }
}
"""What the answer of a created resource adds to its documented response: the Location header."""
CORS_ALLOWED_HEADERS = [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    REQUEST_ID_HEADER,
]
CORS_EXPOSED_HEADERS = ["ETag", "Location", "RateLimit", "RateLimit-Policy", "Retry-After", REQUEST_ID_HEADER]
