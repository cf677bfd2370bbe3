"""The pages' settings: the key that their CSRF tokens and flash messages are signed with, and their cookies."""

import os
import secrets
from typing import Self

from pydantic import BaseModel, Field, SecretStr, model_validator

MIN_KEY_BYTES = 32


class PageSettings(BaseModel):
    """Mixed into the application's settings, which read them from the same environment variables."""

    page_key: SecretStr | None = Field(
        default=None,
        min_length=MIN_KEY_BYTES,
        description="The key that signs the pages' CSRF tokens and flash messages (at least 32 characters). Without "
        "one, a random key is made at start and shared with the server's workers: open forms then expire with the "
        "server.",
    )

    page_secure_cookies: bool = Field(
        default=False,
        description="Mark the pages' cookies Secure (and name the browser's cookie __Host-session) on every request, "
        "as behind a proxy that ends TLS. Otherwise they are Secure when the request itself came over HTTPS.",
    )

    @model_validator(mode="after")
    def shared_page_key(self) -> Self:
        """Without a key, make one and put it in the environment, which every worker process inherits."""
        if self.page_key is None:
            variable = f"{self.model_config.get('env_prefix', '')}PAGE_KEY"
            os.environ[variable] = os.environ.get(variable) or secrets.token_urlsafe(MIN_KEY_BYTES)
            self.page_key = SecretStr(os.environ[variable])
        return self

    @property
    def page_signing_key(self) -> bytes:
        assert self.page_key is not None
        return self.page_key.get_secret_value().encode()

    def page_cookies_secure(self, scheme: str) -> bool:
        """Whether the cookies of a page requested over ``scheme`` are Secure."""
        return self.page_secure_cookies or scheme == "https"
