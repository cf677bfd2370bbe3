"""Signing in to the pages with the OpenID Connect provider: the authorization code flow with PKCE, ``state`` and
``nonce``, whose ID token the API's own token checks verify; then a page session of this site, kept server-side.

The provider knows who the member is; this site keeps, for each browser signed in, the subject (who owns the items),
the role and a name to show, for the session's lifetime only.
"""

PROVIDER_URL = "/sign-in/provider"
"""Where the sign-in page's link goes: it sends the browser on to the provider's authorization endpoint."""
CALLBACK_URL = "/sign-in/callback"
"""Where the provider sends the browser back with a code: the redirect URI registered at the provider."""
