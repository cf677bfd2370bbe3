"""Access tokens: short-lived JWTs signed with HS256, and opaque refresh tokens of which only a hash is stored.

Each access token names its signing key in the ``kid`` header, so that a new key can sign while tokens signed with
the previous ones are still accepted until they expire.

A client sends the same access token with every request until it expires, so a token's signature and claims are
checked once, and only its expiry again on each later use.
"""

import base64
import functools
import hashlib
import re
import secrets
import time
from dataclasses import dataclass

import jwt

from ..core.fields import MAX_ROW_ID
from .settings import AuthSettings

ALGORITHM = "HS256"
LEEWAY_SECONDS = 30
"""Clock difference tolerated between the servers that issue and check a token."""
CHECKED_TOKENS = 4096
"""How many valid tokens a process remembers as checked, the most recently used: each takes a few hundred bytes."""
REQUIRED_CLAIMS = ["sub", "exp", "iat", "iss", "aud", "jti", "ver"]
SUBJECT = re.compile(r"[1-9][0-9]{0,9}", re.ASCII)
"""An account's id as this service writes it: ASCII digits without a leading zero, so that one account has one
spelling (``int()`` would also read ``03``, ``٣`` and `` 3``)."""


class InvalidTokenError(Exception):
    """The token is malformed, forged, expired, or meant for another service."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a valid access token says: whose it is and which version of their credentials it was issued for."""

    subject: str
    version: int


@dataclass(frozen=True, slots=True)
class CheckedToken:
    """A token whose signature and claims were valid when it was first checked: its claims, and when it expires."""

    claims: AccessClaims
    expires: int


def key_id(key: bytes) -> str:
    """A name for a key that does not reveal it: the start of its SHA-256."""
    return base64.urlsafe_b64encode(hashlib.sha256(key).digest()[:9]).decode()


class AccessTokens:
    """Issues and checks access tokens with the keys of the settings."""

    def __init__(self, settings: AuthSettings) -> None:
        self.signing_key = settings.current_signing_key
        self.signing_kid = key_id(self.signing_key)
        accepted = [self.signing_key, *(key.get_secret_value().encode() for key in settings.previous_signing_keys)]
        self.keys = {key_id(key): key for key in accepted}
        self.issuer = settings.token_issuer
        self.audience = settings.token_audience
        self.lifetime = settings.access_token_seconds
        self.checked = functools.lru_cache(maxsize=CHECKED_TOKENS)(self.check_once)

    def issue(self, subject: str, version: int) -> str:
        now = int(time.time())
        claims = {
            "sub": subject,
            "iat": now,
            "exp": now + self.lifetime,
            "iss": self.issuer,
            "aud": self.audience,
            "jti": secrets.token_urlsafe(16),
            "ver": version,
        }
        return jwt.encode(claims, self.signing_key, ALGORITHM, headers={"kid": self.signing_kid})

    def check(self, token: str) -> AccessClaims:
        """The claims of a valid token; a token is checked in full on first use, and for its expiry on each."""
        checked = self.checked(token)
        if checked.expires <= time.time() - LEEWAY_SECONDS:
            raise InvalidTokenError("the token is malformed, forged, expired or meant for another service")
        return checked.claims

    def check_once(self, token: str) -> CheckedToken:
        """The token's signature (by a key of this service) and claims; an invalid token raises, and is not kept."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self.keys.get(kid) if isinstance(kid, str) else None
            if key is None:
                raise InvalidTokenError("the token was not signed by a key of this service")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError:
            raise InvalidTokenError("the token is malformed, forged, expired or meant for another service") from None
        subject, version = claims["sub"], claims["ver"]
        if not (isinstance(subject, str) and SUBJECT.fullmatch(subject) and int(subject) <= MAX_ROW_ID):
            raise InvalidTokenError("the token's subject is not an account of this service")
        if type(version) is not int or not 1 <= version <= MAX_ROW_ID:
            raise InvalidTokenError("the token's credentials version is not one this service issues")
        return CheckedToken(AccessClaims(subject, version), int(claims["exp"]))


def new_refresh_token() -> str:
    """An opaque refresh token: 256 random bits."""
    return secrets.token_urlsafe(32)


def refresh_token_hash(token: str) -> str:
    """What is stored of a refresh token. A plain hash suffices: the token is random, not a password."""
    return hashlib.sha256(token.encode()).hexdigest()
