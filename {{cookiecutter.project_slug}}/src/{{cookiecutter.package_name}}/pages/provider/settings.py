"""How this site signs in to the provider as a client: the client that the provider registered for its pages."""

from pydantic import BaseModel, Field, SecretStr

from ...auth.settings import SERVICE


class SignInSettings(BaseModel):
    """Mixed into the application's settings, which read them from the same environment variables."""

    oidc_client_id: str = Field(
        default=SERVICE,
        min_length=1,
        description="The client id that the provider registered for the pages' sign-in (the ID token's audience).",
    )
    oidc_client_secret: SecretStr | None = Field(
        default=None,
        description="The client's secret, sent to the token endpoint with HTTP Basic authentication. Without one, "
        "the pages sign in as a public client, with PKCE alone.",
    )
    oidc_scopes: str = Field(
        default="openid profile email", description="The scopes asked for at sign-in: openid and the claims shown."
    )
    oidc_redirect_url: str | None = Field(
        default=None,
        description="The redirect URI registered at the provider, such as https://example.com/sign-in/callback. "
        "Without one, this site's /sign-in/callback as the browser reached it (set it behind a proxy that ends TLS).",
    )
