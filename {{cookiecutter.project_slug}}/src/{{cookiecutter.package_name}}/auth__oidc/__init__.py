"""Identity from an OpenID Connect provider (Keycloak, Auth0, Entra ID, Google, ...): bearer access tokens that the
provider issued, checked against the keys it publishes. No password is stored here.

Checking a token is framework-free (``keys``, ``tokens``, ``authority``); ``guard`` and ``routes`` add the
framework's part.
"""

USERS_URL = "/api/v1/users"
