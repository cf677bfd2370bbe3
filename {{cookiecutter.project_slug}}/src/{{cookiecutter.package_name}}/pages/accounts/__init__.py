"""The pages of the accounts: sign up, sign in and out, the account, and the pages that mailed links open.

A signed-in browser's cookie holds the opaque id of a page session, kept in the database beside the account's
refresh tokens and ended by what ends them: a password change or reset, a deactivation, a deletion.
"""

from ..sessions import ACCOUNT_URL, SIGN_IN_URL, SIGN_OUT_URL, local_url, sign_in_url

__all__ = ["ACCOUNT_URL", "SIGN_IN_URL", "SIGN_OUT_URL", "local_url", "sign_in_url"]

SIGN_UP_URL = "/sign-up"
PASSWORD_URL = f"{ACCOUNT_URL}/password"
DELETION_URL = f"{ACCOUNT_URL}/delete"
RESET_URL = "/reset-password"
"""The page that a password-reset mail links to (``auth.messages`` builds the link)."""
RESET_MAIL_URL = f"{RESET_URL}/mail"
VERIFY_URL = "/verify-email"
"""The page that a verification mail links to."""
VERIFY_MAIL_URL = f"{VERIFY_URL}/mail"
