"""Signing in for the tests: each test that calls the API as ``client`` does so as a member of its own, with a token
of the run's own OpenID Connect issuer (``issuer.py``), a real HTTP server that the application fetches keys from."""

import itertools
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from {{ cookiecutter.package_name }}.auth.settings import SERVICE
from {{ cookiecutter.package_name }}.settings import Settings

from .helpers import RAISED_RATE_LIMITS
from .issuer import Issuer

ISSUER = Issuer()
"""The run's issuer. Its port is bound here, so that the settings below can name it; it answers from the run's
start to its end (``issuer_serving``)."""
TEST_SETTINGS: dict[str, Any] = {**RAISED_RATE_LIMITS, "oidc_issuer": ISSUER.url}
"""What the tests' settings change: the rate limits and the issuer."""
PROTECTED_STATUSES = {"401", "403", "503"}
"""What every protected operation documents besides its own statuses."""
RULES_BEYOND_THE_SCHEMA: set[tuple[str, str]] = set()
"""Operations that refuse some bodies their schema allows: none."""
OAUTH_OPERATIONS: set[tuple[str, str]] = set()
"""The operations whose errors follow RFC 6749 rather than RFC 9457: none, as the provider issues the tokens."""

_members = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def issuer_serving() -> Iterator[Issuer]:
    ISSUER.start()
    yield ISSUER
    ISSUER.stop()


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def token_headers(settings: Settings, subject: str = "member-0", *roles: str) -> dict[str, str]:
    """Headers with a token of the run's issuer for this subject, with these roles, meant for this service."""
    return bearer(ISSUER.token(subject, audience=settings.oidc_audience, realm_roles=roles))


def sign_in(client: httpx2.Client) -> dict[str, str]:
    """The headers that authenticate as a new member; the provider, not the service, knows who they are."""
    return bearer(ISSUER.token(f"member-{next(_members)}", audience=SERVICE))


def sign_in_admin(client: httpx2.Client, settings: Settings) -> dict[str, str]:
    """The headers that authenticate as a new admin: the provider gives them the admin role."""
    return token_headers(settings, f"admin-{next(_members)}", settings.oidc_admin_role)


@pytest.fixture
def client(anonymous_client: httpx2.Client) -> Iterator[httpx2.Client]:
    """A client of the run's application, signed in as a member of the test's own."""
    headers = sign_in(anonymous_client)
    anonymous_client.headers.update(headers)
    yield anonymous_client
    for name in headers:
        del anonymous_client.headers[name]
