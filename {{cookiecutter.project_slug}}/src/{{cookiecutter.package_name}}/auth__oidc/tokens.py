"""Checking a provider's access token: its header names the key and algorithm, its claims the principal.

A refused token is answered with one of this module's fixed reasons, never with text of the token or a library's
message (which may quote the token): that is logged at debug level instead.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.exceptions import InvalidSubjectError

from ..core.principals import SUBJECT_MAX_LENGTH, Principal, Role
from .errors import InsufficientScopeError, InvalidTokenError
from .settings import AuthSettings

logger = logging.getLogger(__name__)

LEEWAY_SECONDS = 30
"""Clock difference tolerated between the provider and this service, for ``exp``, ``nbf`` and ``iat``."""
REQUIRED_CLAIMS = ["sub", "exp", "iss", "aud"]
ACCESS_TOKEN_TYPES = {"at+jwt", "application/at+jwt", "jwt"}
"""The ``typ`` headers (in lower case) of an access token: RFC 9068's, and the plain ``JWT`` of Keycloak and Entra ID.
A token without one is accepted too; any other, such as an ID token's ``id+jwt``, is refused."""
CLIENT_CLAIMS = ("azp", "client_id")
"""Where a token names the client it was issued to: OpenID Connect's ``azp``, RFC 9068's ``client_id``."""
NOT_AN_ACCESS_TOKEN = "it is not an access token"
BAD_SUBJECT = f"its subject is not a string of 1 to {SUBJECT_MAX_LENGTH} characters"
LIBRARY_REFUSALS: list[tuple[type[jwt.PyJWTError], str]] = [
    (jwt.ExpiredSignatureError, "it has expired"),
    (jwt.ImmatureSignatureError, "it is not valid yet"),
    (jwt.InvalidAudienceError, "it is meant for another service"),
    (jwt.InvalidIssuerError, "another issuer issued it"),
    (jwt.MissingRequiredClaimError, "it lacks a required claim"),
    (InvalidSubjectError, BAD_SUBJECT),
    (jwt.InvalidSignatureError, "its signature does not match its key"),
]
"""The reason given for each error of PyJWT; any other is ``UNREADABLE``."""
UNREADABLE = "it cannot be read"


@dataclass(frozen=True, slots=True)
class Header:
    """What a token says of its signature before anything in it is trusted."""

    kid: str
    algorithm: str


def refused(error: jwt.PyJWTError) -> InvalidTokenError:
    """The refusal of a token that PyJWT refused, in a reason of ours: PyJWT's message may quote the token."""
    logger.debug("Access token refused: %s", error)
    reason = next((reason for kind, reason in LIBRARY_REFUSALS if isinstance(error, kind)), UNREADABLE)
    return InvalidTokenError(reason)


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The claim at a dotted path, such as ``realm_access.roles``; None where the path leads nowhere."""
    value: Any = claims
    for name in path.split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


def scopes(value: Any) -> set[str]:
    """The scopes of a ``scope`` or ``scp`` claim: a space-separated string (RFC 9068), or a JSON list of names."""
    if isinstance(value, str):
        return set(value.split())
    if isinstance(value, list):
        return {name for name in value if isinstance(name, str)}
    return set()


def roles(value: Any) -> set[str]:
    """The roles of a roles claim: a JSON list of strings, or one string that is one role name, never split (so
    ``"user admin"`` is not admin). Anything else, such as a number or a list holding a non-string, grants no role:
    the principal is a member."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return set(value)
    return set()


def is_id_token(claims: Mapping[str, Any]) -> bool:
    """Whether the claims are an ID token's: a ``nonce`` (which Keycloak also put in access tokens before version 25),
    or Keycloak's ``typ`` claim ``ID``."""
    return "nonce" in claims or claims.get("typ") == "ID"


class TokenChecker:
    """Checks tokens against the settings: type, algorithm, issuer, audience, client, lifetime, scopes; and reads the
    role."""

    def __init__(self, settings: AuthSettings) -> None:
        self.algorithms = list(settings.oidc_algorithms)
        self.issuer = settings.oidc_issuer
        self.audience = settings.oidc_audience
        self.authorized_parties = settings.oidc_authorized_parties
        self.required_scopes = settings.oidc_required_scopes
        self.roles_claim = settings.oidc_roles_claim
        self.admin_role = settings.oidc_admin_role

    def header(self, token: str) -> Header:
        """The key id and algorithm the token names, if it is an access token of an algorithm this service accepts."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise refused(error) from None
        kid, algorithm, kind = header.get("kid"), header.get("alg"), header.get("typ", "JWT")
        if algorithm not in self.algorithms:
            raise InvalidTokenError("its algorithm is not accepted")
        if not isinstance(kind, str) or kind.lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidTokenError(NOT_AN_ACCESS_TOKEN)
        if not isinstance(kid, str):
            raise InvalidTokenError("it names no key")
        return Header(kid, str(algorithm))

    def claims(self, token: str, key: jwt.PyJWK, audience: str, required: list[str]) -> dict[str, Any]:
        """The claims of a token signed with this key by the issuer, for this audience, within its lifetime."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": required},
            )
        except jwt.PyJWTError as error:
            raise refused(error) from None
        return claims

    def principal(self, token: str, key: jwt.PyJWK) -> Principal:
        """The principal of a token signed with this key, once every check passed."""
        claims = self.claims(token, key, self.audience, REQUIRED_CLAIMS)
        if is_id_token(claims):
            raise InvalidTokenError(NOT_AN_ACCESS_TOKEN)
        if not self.is_authorized_party(claims):
            raise InvalidTokenError("it was issued to a client this service does not accept")
        principal = self.claimed_principal(claims)
        granted = scopes(claims.get("scope")) | scopes(claims.get("scp"))
        missing = [scope for scope in self.required_scopes if scope not in granted]
        if missing:
            raise InsufficientScopeError(missing)
        return principal

    def claimed_principal(self, claims: Mapping[str, Any]) -> Principal:
        """The principal that checked claims name: their subject, and the role their roles claim gives."""
        subject = claims["sub"]
        if not isinstance(subject, str) or not 0 < len(subject) <= SUBJECT_MAX_LENGTH:
            raise InvalidTokenError(BAD_SUBJECT)
        admin = self.admin_role in roles(claim_at(claims, self.roles_claim))
        return Principal(subject=subject, role=Role.ADMIN if admin else Role.MEMBER)

    def is_authorized_party(self, claims: Mapping[str, Any]) -> bool:
        """Whether the token's client is one the settings accept: each client claim it carries names one of them, and
        it carries at least one. Always true when the settings name none."""
        if not self.authorized_parties:
            return True
        clients = [claims[name] for name in CLIENT_CLAIMS if name in claims]
        return bool(clients) and all(client in self.authorized_parties for client in clients)
