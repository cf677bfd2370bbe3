"""Signing in for the tests: each test that calls the API as ``client`` does so as a member of its own.

The tests hash passwords with the application's own code at Argon2's lowest cost, set through the settings.
"""

import itertools
from collections.abc import Iterator
from functools import cache
from typing import Any

import httpx2
import pytest
from sqlalchemy import Connection, update

from {{ cookiecutter.package_name }}.auth import AUTH_URL, TOKEN_URL, USERS_URL
from {{ cookiecutter.package_name }}.auth.models import User
from {{ cookiecutter.package_name }}.auth.tokens import AccessTokens
from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.principals import Role
from {{ cookiecutter.package_name }}.settings import Settings

from .helpers import RAISED_RATE_LIMITS, assert_problem

TEST_SETTINGS: dict[str, Any] = {
    **RAISED_RATE_LIMITS,
    "signing_key": "tests-only-signing-key-0123456789abcdef",
    "password_hash_time_cost": 1,
    "password_hash_memory_kib": 8,
    "password_hash_parallelism": 1,
}
"""What the tests' settings change: the rate limits, a fixed signing key, and the cheapest password hashing."""
PASSWORD = "correct horse battery staple"
PROTECTED_STATUSES = {"401"}
"""What every protected operation documents besides its own statuses."""
RULES_BEYOND_THE_SCHEMA = {
    (f"{AUTH_URL}/{operation}", "post")
    for operation in ("register", "password-reset", "password-reset/confirm", "verify-email", "verify-email/resend")
}
"""Operations that refuse some bodies their schema allows: a password may not be the e-mail address, an address must
be able to receive mail (not ``example.test``), and a link's token must be one that was mailed."""
ME = f"{USERS_URL}/me"
OAUTH_OPERATIONS = {(TOKEN_URL, "post")}
"""The operations whose errors follow RFC 6749 rather than RFC 9457."""

_accounts = itertools.count(1)


def register(client: httpx2.Client, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = client.post(f"{AUTH_URL}/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


def token(client: httpx2.Client, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """The token response of the password grant."""
    response = client.post(TOKEN_URL, data={"grant_type": "password", "username": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def password_grant(client: httpx2.Client, email: str, password: str = PASSWORD) -> httpx2.Response:
    return client.post(TOKEN_URL, data={"grant_type": "password", "username": email, "password": password})


def refresh_grant(client: httpx2.Client, refresh_token: str) -> httpx2.Response:
    return client.post(TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": refresh_token})


def assert_oauth_error(response: httpx2.Response, error: str) -> None:
    """An error of the token endpoint, as RFC 6749, section 5.2 spells it."""
    assert response.status_code == 400, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


def assert_refused(response: httpx2.Response, *, token_given: bool = True) -> dict[str, Any]:
    """401, a problem, and the challenge of RFC 6750; returns the problem."""
    body = assert_problem(response, 401)
    expected = 'Bearer error="invalid_token"' if token_given else "Bearer"
    assert response.headers["www-authenticate"] == expected
    return body


def signed_up(client: httpx2.Client, email: str) -> dict[str, str]:
    register(client, email)
    return bearer(token(client, email)["access_token"])


def token_headers(settings: Settings, subject: str = "1") -> dict[str, str]:
    """Headers with an access token that the application's keys accept, for an account that need not exist."""
    return bearer(AccessTokens(settings).issue(subject, version=1))


@cache
def member_tokens() -> AccessTokens:
    """The tokens of the tests' settings, made once: reading settings from the environment takes milliseconds."""
    return AccessTokens(Settings(**TEST_SETTINGS))


def sign_in(client: httpx2.Client) -> dict[str, str]:
    """Register a new member through the client, and return the headers that authenticate as them.

    The token is issued here, with the tests' signing key, rather than by the token endpoint, which the tests of the
    accounts prove: most tests only need someone to be signed in, and a request less each is a second less a run.
    """
    email = f"member-{next(_accounts)}@example.com"
    user = register(client, email)
    return bearer(member_tokens().issue(str(user["id"]), version=1))


def sign_in_admin(client: httpx2.Client, settings: Settings) -> dict[str, str]:
    """Register a new account through the client, make it an admin as an operator would, and return the headers that
    authenticate as them."""
    user = register(client, f"admin-{next(_accounts)}@example.com")

    def promote(connection: Connection) -> None:
        connection.execute(update(User).where(User.id == user["id"]).values(role=Role.ADMIN))
        connection.commit()

    database.run_on_connection(settings, promote)
    return token_headers(settings, str(user["id"]))


@pytest.fixture
def client(anonymous_client: httpx2.Client) -> Iterator[httpx2.Client]:
    """A client of the run's application, signed in as a member of the test's own."""
    headers = sign_in(anonymous_client)
    anonymous_client.headers.update(headers)
    yield anonymous_client
    for name in headers:
        del anonymous_client.headers[name]
