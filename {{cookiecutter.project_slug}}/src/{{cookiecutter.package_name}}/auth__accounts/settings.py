"""The accounts' settings: token lifetimes and signing keys, registration, and the cost of hashing a password."""

import os
import secrets
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from ..mail.settings import MailSettings

MIN_SIGNING_KEY_BYTES = 32
"""HS256 keys shorter than its 256-bit hash are refused (RFC 7518, section 3.2)."""
SERVICE = (__package__ or "").partition(".")[0]
"""Who issues the access tokens and for whom: this service (its package's name), unless settings say otherwise."""
KEY_ADVICE = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def check_key(key: SecretStr) -> None:
    if len(key.get_secret_value().encode()) < MIN_SIGNING_KEY_BYTES:
        raise ValueError(f"a signing key must be at least {MIN_SIGNING_KEY_BYTES} bytes long; {KEY_ADVICE}")


class AuthSettings(MailSettings):
    """Mixed into the application's settings, which read them from the same environment variables."""

    signing_key: SecretStr | None = Field(
        default=None,
        description="The key that signs access tokens (HS256, at least 32 bytes). Without one, a random key is made "
        "at start and shared with the server's workers: tokens then end with the server.",
    )
    signing_key_file: Path | None = Field(
        default=None,
        description="A file that holds the signing key, such as a container secret (/run/secrets/...); read when "
        "no signing key is set.",
    )
    previous_signing_keys: list[SecretStr] = Field(
        default=[],
        description="Keys that signed tokens which are still accepted until they expire (JSON list), for rotation.",
    )
    token_issuer: str = Field(default=SERVICE, description="The iss claim of access tokens.")
    token_audience: str = Field(default=SERVICE, description="The aud claim of access tokens.")
    access_token_seconds: int = Field(default=15 * 60, ge=1, description="How long an access token is valid.")
    refresh_token_days: int = Field(default=30, ge=1, description="How long an unused refresh token is valid.")
    registration_enabled: bool = Field(default=True, description="Whether anyone may create an account.")
    email_verification: Literal["required", "optional", "off"] = Field(
        default="optional",
        description="required: registration answers 202 for any address and an account signs in once its address is "
        "verified; optional: a verification link is mailed, and the account may sign in at once; off: no link.",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="Where the pages that mailed links open are served: links are built from it, never from the "
        "request's Host header.",
    )
    password_reset_minutes: int = Field(default=30, ge=1, description="How long a password-reset link is valid.")
    email_verification_hours: int = Field(default=48, ge=1, description="How long a verification link is valid.")
    mail_requests_per_address: int = Field(
        default=10, ge=1, description="Password-reset and verification mails asked for from one address in a window."
    )
    mail_requests_per_account: int = Field(
        default=3, ge=1, description="Password-reset and verification mails asked for one account in a window."
    )
    sign_in_attempts_per_account_and_address: int = Field(
        default=5,
        ge=1,
        description="Password checks (sign-in, password change, account deletion) allowed for one account from one "
        "client address in a window; then 429 for that address alone, so the owner can still sign in from another.",
    )
    sign_in_attempts_per_account: int = Field(
        default=50,
        ge=1,
        description="Password checks allowed for one account from every address together in a window; then 429.",
    )
    sign_in_attempts_per_address: int = Field(
        default=100, ge=1, description="Password checks allowed from one client address in a window; then 429."
    )
    registrations_per_address: int = Field(
        default=10, ge=1, description="Registrations allowed from one client address in a window; then 429."
    )
    sign_in_window_seconds: int = Field(
        default=15 * 60, ge=1, description="How long a window of attempts lasts, in seconds."
    )
    password_hash_time_cost: int = Field(default=2, ge=1, description="Argon2id passes (OWASP: 2).")
    password_hash_memory_kib: int = Field(default=19 * 1024, ge=8, description="Argon2id memory (OWASP: 19 MiB).")
    password_hash_parallelism: int = Field(default=1, ge=1, description="Argon2id lanes (OWASP: 1).")

    @field_validator("signing_key", "previous_signing_keys")
    @classmethod
    def long_enough(cls, value: SecretStr | list[SecretStr] | None) -> SecretStr | list[SecretStr] | None:
        for key in value if isinstance(value, list) else [value] if value is not None else []:
            check_key(key)
        return value

    @model_validator(mode="after")
    def shared_signing_key(self) -> Self:
        """The key from its file; without either, make one and put it in the environment, which every worker process
        inherits."""
        if self.signing_key is None and self.signing_key_file is not None:
            try:
                self.signing_key = SecretStr(self.signing_key_file.read_text(encoding="utf-8").strip())
            except OSError as error:
                raise ValueError(f"cannot read the signing key file: {error}") from None
            check_key(self.signing_key)
        if self.signing_key is None:
            variable = f"{self.model_config.get('env_prefix', '')}SIGNING_KEY"
            os.environ[variable] = os.environ.get(variable) or secrets.token_urlsafe(32)
            self.signing_key = SecretStr(os.environ[variable])
        return self

    @property
    def current_signing_key(self) -> bytes:
        assert self.signing_key is not None
        return self.signing_key.get_secret_value().encode()
