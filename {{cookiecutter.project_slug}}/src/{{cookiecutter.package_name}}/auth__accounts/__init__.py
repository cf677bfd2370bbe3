"""Identity: accounts with e-mail and password, OAuth 2.0 password and refresh-token grants, JWT access tokens.

The token, password and principal logic holds no web code; ``guard`` and ``routes`` hold the web part.
"""

AUTH_URL = "/api/v1/auth"
TOKEN_URL = f"{AUTH_URL}/token"
USERS_URL = "/api/v1/users"


def user_url(user_id: int) -> str:
    return f"{USERS_URL}/{user_id}"
