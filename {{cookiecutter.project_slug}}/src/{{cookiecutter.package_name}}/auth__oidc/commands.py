"""The provider's command: check that its keys can be fetched, before any client sends a token.

    python -m <package> check-provider

prints the issuer and the keys it publishes, or why they cannot be fetched (and exits with 1).
"""

import sys
import time
from collections.abc import Callable

from ..settings import Settings
from .keys import ProviderKeys

USAGE = "usage: check-provider (reads the provider's discovery document and keys from the settings' issuer)"


def check_provider(arguments: list[str]) -> int:
    """Fetch the provider's keys as the service will, and say what came back."""
    if arguments:
        print(USAGE, file=sys.stderr)
        return 2
    keys = ProviderKeys(Settings())
    keys.refresh(time.monotonic())
    if keys.failure is not None:
        print(f"error: {keys.failure}", file=sys.stderr)
        return 1
    if not keys.keys:
        print("error: the provider publishes no key to check signatures with", file=sys.stderr)
        return 1
    print(f"issuer: {keys.issuer}")
    for kid, jwk in sorted(keys.keys.items()):
        print(f"key: {kid} ({jwk['kty']}, {jwk.get('alg', 'any algorithm')})")
    return 0


COMMANDS: dict[str, Callable[[list[str]], int]] = {"check-provider": check_provider}
