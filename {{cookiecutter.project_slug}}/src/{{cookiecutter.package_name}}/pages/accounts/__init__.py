"""The pages of the accounts: sign up, sign in and out, the account, and the pages that mailed links open.

A signed-in browser's cookie holds the opaque id of a page session, kept in the database beside the account's
refresh tokens and ended by what ends them: a password change or reset, a deactivation, a deletion.
"""

from urllib.parse import urlencode, urlsplit

SIGN_UP_URL = "/sign-up"
SIGN_IN_URL = "/sign-in"
SIGN_OUT_URL = "/sign-out"
ACCOUNT_URL = "/account"
PASSWORD_URL = f"{ACCOUNT_URL}/password"
DELETION_URL = f"{ACCOUNT_URL}/delete"
RESET_URL = "/reset-password"
"""The page that a password-reset mail links to (``auth.messages`` builds the link)."""
RESET_MAIL_URL = f"{RESET_URL}/mail"
VERIFY_URL = "/verify-email"
"""The page that a verification mail links to."""
VERIFY_MAIL_URL = f"{VERIFY_URL}/mail"


def sign_in_url(next_url: str | None = None) -> str:
    """The sign-in page, which leads back to ``next_url`` once signed in."""
    return f"{SIGN_IN_URL}?{urlencode({'next': next_url})}" if next_url else SIGN_IN_URL


def local_url(url: str | None, default: str) -> str:
    """A page of this site to go to after signing in: a path, never another site's address (``//host`` or
    ``https://...``), which would make the sign-in page an open redirect."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")) or urlsplit(url).netloc:
        return default
    return url
