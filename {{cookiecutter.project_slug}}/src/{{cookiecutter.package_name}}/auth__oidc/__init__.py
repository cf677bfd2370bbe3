"""Identity from an OpenID Connect provider (Keycloak, Auth0, Entra ID, Google, ...): bearer access tokens that the
provider issued, checked against the keys it publishes. No password is stored here.

Checking a token holds no web code (``keys``, ``tokens``, ``authority``); ``guard`` and ``routes`` hold the web part.
"""

USERS_URL = "/api/v1/users"
