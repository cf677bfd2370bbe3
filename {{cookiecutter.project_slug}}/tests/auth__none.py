"""An open API: ``client`` calls it as anyone does, without credentials."""

from typing import Any

import httpx2
import pytest

from {{ cookiecutter.package_name }}.settings import Settings

from .helpers import RAISED_RATE_LIMITS

TEST_SETTINGS: dict[str, Any] = {**RAISED_RATE_LIMITS}
"""What the tests' settings change: the rate limits alone, as nobody signs in."""
PROTECTED_STATUSES: set[str] = set()
"""What every operation documents besides its own statuses: nothing, as none is protected."""
RULES_BEYOND_THE_SCHEMA: set[tuple[str, str]] = set()
"""Operations that refuse some bodies their schema allows: none."""
OAUTH_OPERATIONS: set[tuple[str, str]] = set()
"""The operations whose errors follow RFC 6749 rather than RFC 9457: none."""


def token_headers(settings: Settings) -> dict[str, str]:
    """No headers: the application asks for no token."""
    return {}


def sign_in(client: httpx2.Client) -> dict[str, str]:
    """No headers: every caller may do everything."""
    return {}


@pytest.fixture
def client(anonymous_client: httpx2.Client) -> httpx2.Client:
    return anonymous_client
