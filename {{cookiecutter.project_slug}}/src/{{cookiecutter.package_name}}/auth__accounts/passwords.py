"""Password hashing with Argon2id, and the rules a new password must follow.

An unknown e-mail address is checked against a hash of the same cost as a real one, so that the time a login takes
does not tell whether the account exists.
"""

from functools import cached_property

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from .settings import AuthSettings

MIN_PASSWORD_LENGTH = 15
"""NIST SP 800-63B-4, section 3.1.1.2: at least 15 characters for a password that is the only factor."""
MAX_PASSWORD_LENGTH = 128
"""At least 64 must be allowed; a bound keeps one request from hashing megabytes."""


class Passwords:
    """Hashes and verifies passwords at the cost the settings ask for."""

    def __init__(self, settings: AuthSettings) -> None:
        hasher = Argon2Hasher(
            time_cost=settings.password_hash_time_cost,
            memory_cost=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
        )
        self._hash = PasswordHash((hasher,))

    @cached_property
    def _unknown_account_hash(self) -> str:
        return self._hash.hash("no account has this password")

    def hash(self, password: str) -> str:
        return self._hash.hash(password)

    def verify(self, password: str, stored_hash: str | None) -> tuple[bool, str | None]:
        """Whether the password matches, and a new hash when the stored one was made at another cost.

        With no stored hash (no such account) the same work is done, and the answer is no.
        """
        if stored_hash is None:
            self._hash.verify_and_update(password, self._unknown_account_hash)
            return False, None
        return self._hash.verify_and_update(password, stored_hash)


def password_problem(password: str, email: str) -> str | None:
    """Why a new password is refused, or None. No composition rules (NIST SP 800-63B-4, section 3.1.1.2)."""
    if password.strip().casefold() in {email.casefold(), email.partition("@")[0].casefold()}:
        return "the password must not be the e-mail address"
    if len(set(password)) == 1:
        return "the password must not repeat one character"
    return None
