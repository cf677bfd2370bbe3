"""The pages' static files (htmx and the style sheet), linked by URLs that name their version.

A page links ``/static/htmx.min.js?v=<digest of the file>``: a browser may keep that URL for a year, since a new
version of the file is a new URL. A request for a file without its current version (an old page, a hand-typed URL)
gets it with ``no-cache``: the browser asks again each time, and its copy's ETag saves the download.
"""

import hashlib
from functools import cache

from . import STATIC_FOLDER, STATIC_URL

CACHED_FOR_SECONDS = 365 * 24 * 60 * 60
VERSION_PARAMETER = "v"


@cache
def version(name: str) -> str:
    """The start of the file's SHA-256 digest, which changes with its content."""
    return hashlib.sha256((STATIC_FOLDER / name).read_bytes()).hexdigest()[:16]


def static_url(name: str) -> str:
    """The URL a page links the file by."""
    return f"{STATIC_URL}/{name}?{VERSION_PARAMETER}={version(name)}"


def cache_control(name: str, requested_version: str | None) -> str:
    """The Cache-Control of a file served: for a year when the URL names its current version, else revalidated."""
    if requested_version == version(name):
        return f"public, max-age={CACHED_FOR_SECONDS}, immutable"
    return "no-cache"
