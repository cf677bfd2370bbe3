"""Opening the pages with accounts in the tests: the API's test member signs in through the sign-in page too."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2

from {{ cookiecutter.package_name }}.auth import USERS_URL

from .auth import PASSWORD

OPEN_PAGE = "/sign-in"
"""A page that anyone opens, and that gives a new browser its cookie."""
WITHOUT_COOKIE = 303
"""What a form posted without the browser's cookie gets: a browser without it is not signed in, and is sent to sign
in before its form is read."""
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def page_token(client: httpx2.Client, url: str) -> str:
    """The CSRF token of a page's form, which also gives the client its browser cookie."""
    found = TOKEN.search(client.get(url).text)
    assert found is not None
    return found[1]


def sign_in_to_pages(client: httpx2.Client, email: str, password: str = PASSWORD) -> httpx2.Response:
    data = {"csrf_token": page_token(client, "/sign-in"), "email": email, "password": password}
    return client.post("/sign-in", data=data)


@contextmanager
def opening_pages(client: httpx2.Client) -> Iterator[None]:
    """Sign the API client's member in to the pages as well, with a fresh cookie jar; signed out again after."""
    client.cookies.clear()
    email = client.get(f"{USERS_URL}/me").json()["email"]
    assert sign_in_to_pages(client, email).status_code == 303
    try:
        yield
    finally:
        client.cookies.clear()
