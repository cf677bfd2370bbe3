"""What can go wrong with a provider's token, in the words of the error vocabulary."""

import math
from collections.abc import Mapping, Sequence

from ..core.access import AuthenticationError, PermissionDeniedError
from ..core.errors import UnavailableError


class InvalidTokenError(AuthenticationError):
    """The token is malformed, forged, expired, meant for another service, or signed by a key the provider does not
    publish. ``reason`` is a fixed text of this package, never text of the token or a library's message: clients
    show the problem to whoever sent the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The access token is invalid: {reason}.", token_refused=True)


class InsufficientScopeError(PermissionDeniedError):
    """The token is valid but does not grant the scopes this service requires (RFC 6750, section 3.1)."""

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(f"The access token lacks the scopes this service requires: {' '.join(missing)}.")
        self.missing = missing

    @property
    def headers(self) -> Mapping[str, str]:
        return {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{" ".join(self.missing)}"'}


class ProviderUnavailableError(UnavailableError):
    """The provider's keys could not be fetched, and none that could check this token is known."""

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(f"The identity provider's keys cannot be fetched ({reason}); try again later.")
        self.retry_after = retry_after

    @property
    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": str(max(1, math.ceil(self.retry_after)))}
