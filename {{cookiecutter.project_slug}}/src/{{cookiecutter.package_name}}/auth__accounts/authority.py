"""What one application needs to authenticate anyone: its password hasher, its token issuer and their settings."""

from .passwords import Passwords
from .settings import AuthSettings
from .tokens import AccessTokens


class Authority:
    """Made once per application from its settings; it holds no web code."""

    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings
        self.passwords = Passwords(settings)
        self.tokens = AccessTokens(settings)
