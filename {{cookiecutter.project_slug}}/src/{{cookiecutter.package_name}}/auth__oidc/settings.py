"""The provider's settings: who issues the tokens and for whom, which claims say what, and how keys are fetched."""

from typing import Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator

SERVICE = (__package__ or "").partition(".")[0]
"""This service's name (its package's), which the defaults below use."""
AsymmetricAlgorithm = Literal["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
"""The signature algorithms a provider's token may use: public-key ones only. ``none`` and the HMAC algorithms are
refused, so a token signed with the provider's public key as an HMAC secret is refused too."""
ASYMMETRIC_ALGORITHMS: list[AsymmetricAlgorithm] = list(get_args(AsymmetricAlgorithm))


def check_web_url(url: str) -> str:
    """An http or https URL with a host and nothing after its path, or a ValueError saying what is wrong with it."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"{url!r} is not an http(s) URL of a host, without query or fragment")
    return url


class AuthSettings(BaseModel):
    """Mixed into the application's settings, which read them from the same environment variables."""

    oidc_issuer: str = Field(
        default=f"http://localhost:8080/realms/{SERVICE}",
        description="The provider's issuer URL, exactly as its tokens' iss claim spells it; its discovery document "
        "is read from <issuer>/.well-known/openid-configuration.",
    )
    oidc_audience: str = Field(
        default=SERVICE,
        description="The aud claim every token must carry: the identifier the provider knows this API by.",
    )
    oidc_authorized_parties: list[str] = Field(
        default=[],
        description="The clients (their client ids) whose tokens this API accepts, as a JSON list: a token must name "
        "one in its azp or client_id claim. Empty: any client of the provider.",
    )
    oidc_required_scopes: list[str] = Field(
        default=[], description="Scopes every token must grant (scope or scp claim), else 403 (JSON list)."
    )
    oidc_roles_claim: str = Field(
        default="realm_access.roles",
        description="Where a token lists its roles, as a dotted path: realm_access.roles for Keycloak, roles for "
        "Entra ID.",
    )
    oidc_admin_role: str = Field(default="admin", min_length=1, description="The role that makes a principal admin.")
    oidc_algorithms: list[AsymmetricAlgorithm] = Field(
        default=ASYMMETRIC_ALGORITHMS, min_length=1, description="The signature algorithms accepted (JSON list)."
    )
    oidc_keys_refresh_seconds: float = Field(
        default=60,
        gt=0,
        description="The least time between two fetches of the provider's keys, however many tokens name a key id "
        "that is not known.",
    )
    oidc_keys_max_age_seconds: float = Field(
        default=3600, gt=0, description="How long fetched keys are used before they are fetched again."
    )
    oidc_fetch_timeout_seconds: float = Field(
        default=5, gt=0, description="Seconds the provider has to answer a request for its keys."
    )

    @field_validator("oidc_issuer")
    @classmethod
    def web_url(cls, issuer: str) -> str:
        return check_web_url(issuer)

    @property
    def oidc_discovery_url(self) -> str:
        """Where the provider publishes its metadata (OpenID Connect Discovery 1.0, section 4)."""
        return f"{self.oidc_issuer.rstrip('/')}/.well-known/openid-configuration"
