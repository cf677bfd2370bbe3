"""What one application needs to authenticate anyone: the provider's keys and the token checks of its settings."""

from ..core.principals import Principal
from .keys import ProviderKeys
from .settings import AuthSettings
from .tokens import TokenChecker


class Authority:
    """Made once per application from its settings; it holds no web code."""

    def __init__(self, settings: AuthSettings) -> None:
        self.keys = ProviderKeys(settings)
        self.tokens = TokenChecker(settings)

    def cached_principal(self, token: str) -> Principal | None:
        """The token's principal if its key is cached, else None: this never waits for the provider."""
        header = self.tokens.header(token)
        key = self.keys.cached(header.kid, header.algorithm)
        return None if key is None else self.tokens.principal(token, key)

    def principal(self, token: str) -> Principal:
        """The token's principal, fetching the provider's keys if need be (and allowed): this may wait."""
        principal = self.cached_principal(token)
        if principal is None:
            header = self.tokens.header(token)
            principal = self.tokens.principal(token, self.keys.find(header.kid, header.algorithm))
        return principal
