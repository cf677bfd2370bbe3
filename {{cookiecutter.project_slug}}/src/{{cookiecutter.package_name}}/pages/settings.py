"""The pages' settings: the key that their CSRF tokens and flash messages are signed with."""

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
