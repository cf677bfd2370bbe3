"""Opening the pages of an open API in the tests: anyone opens them, without signing in."""

from collections.abc import Iterator
from contextlib import contextmanager

import httpx2

OPEN_PAGE = "/items"
"""A page that anyone opens, and that gives a new browser its cookie."""
WITHOUT_COOKIE = 403
"""What a form posted without the browser's cookie gets: refused, as its token is bound to that cookie."""


@contextmanager
def opening_pages(client: httpx2.Client) -> Iterator[None]:
    """Nothing to do: the API's client opens the pages as it is."""
    yield
