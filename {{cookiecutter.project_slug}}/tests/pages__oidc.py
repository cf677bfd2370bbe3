"""Opening the pages with the provider in the tests: the API's test member signs in through the run's issuer, by the
authorization code flow, as a browser does (``issuer.py``)."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx2
import jwt

from {{ cookiecutter.package_name }}.auth.settings import SERVICE
from {{ cookiecutter.package_name }}.pages.provider import CALLBACK_URL, PROVIDER_URL

from .auth import ISSUER
from .issuer import Client

OPEN_PAGE = "/sign-in"
"""A page that anyone opens, and that gives a new browser its cookie."""
WITHOUT_COOKIE = 303
"""What a form posted without the browser's cookie gets: a browser without it is not signed in, and is sent to sign
in before its form is read."""
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
REDIRECT_URIS = {f"{scheme}://testserver{CALLBACK_URL}" for scheme in ("http", "https")}
ISSUER.clients[SERVICE] = Client(redirect_uris=set(REDIRECT_URIS))
"""The pages' client at the run's issuer: a public client, as the settings' default has no secret."""


def page_token(client: httpx2.Client, url: str) -> str:
    """The CSRF token of a page's form, which also gives the client its browser cookie."""
    found = TOKEN.search(client.get(url).text)
    assert found is not None
    return found[1]


def at_provider(location: str) -> str:
    """Where the provider's authorization endpoint sends the browser back to, asked over real HTTP."""
    answer = httpx2.get(location, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def local(url: str) -> str:
    """The path and query of a URL of this site, which the test client asks for."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sign_in_to_pages(client: httpx2.Client, subject: str, next_url: str | None = None) -> httpx2.Response:
    """Sign ``subject`` in to the pages through the issuer: the answer of the way back, a redirect when signed in."""
    ISSUER.user = subject
    to_provider = client.get(PROVIDER_URL, params={"next": next_url} if next_url else None)
    assert to_provider.status_code == 303, to_provider.text
    return client.get(local(at_provider(to_provider.headers["location"])))


@contextmanager
def opening_pages(client: httpx2.Client) -> Iterator[None]:
    """Sign the API client's member in to the pages as well, with a fresh cookie jar; signed out again after."""
    client.cookies.clear()
    access_token = client.headers["Authorization"].removeprefix("Bearer ")
    subject = jwt.decode(access_token, options={"verify_signature": False})["sub"]
    assert sign_in_to_pages(client, subject).status_code == 303
    try:
        yield
    finally:
        client.cookies.clear()
