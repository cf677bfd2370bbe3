"""Checking a provider's access token: its header names the key and algorithm, its claims the principal."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from ..core.principals import SUBJECT_MAX_LENGTH, Principal, Role
from .errors import InsufficientScopeError, InvalidTokenError
from .settings import AuthSettings

LEEWAY_SECONDS = 30
"""Clock difference tolerated between the provider and this service, for ``exp``, ``nbf`` and ``iat``."""
REQUIRED_CLAIMS = ["sub", "exp", "iss", "aud"]


@dataclass(frozen=True, slots=True)
class Header:
    """What a token says of its signature before anything in it is trusted."""

    kid: str
    algorithm: str


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The claim at a dotted path, such as ``realm_access.roles``; None where the path leads nowhere."""
    value: Any = claims
    for name in path.split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


def words(value: Any) -> set[str]:
    """A claim that lists names, as a space-separated string (``scope``) or a JSON list (``roles``)."""
    if isinstance(value, str):
        return set(value.split())
    if isinstance(value, list):
        return {name for name in value if isinstance(name, str)}
    return set()


class TokenChecker:
    """Checks tokens against the settings: algorithm, issuer, audience, lifetime, scopes; and reads the role."""

    def __init__(self, settings: AuthSettings) -> None:
        self.algorithms = list(settings.oidc_algorithms)
        self.issuer = settings.oidc_issuer
        self.audience = settings.oidc_audience
        self.required_scopes = settings.oidc_required_scopes
        self.roles_claim = settings.oidc_roles_claim
        self.admin_role = settings.oidc_admin_role

    def header(self, token: str) -> Header:
        """The key id and algorithm the token names, if the algorithm is one this service accepts."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidTokenError(str(error)) from None
        kid, algorithm = header.get("kid"), header.get("alg")
        if algorithm not in self.algorithms:
            raise InvalidTokenError(f"its algorithm {algorithm!r} is not accepted")
        if not isinstance(kid, str):
            raise InvalidTokenError("it names no key")
        return Header(kid, str(algorithm))

    def principal(self, token: str, key: jwt.PyJWK) -> Principal:
        """The principal of a token signed with this key, once every check passed."""
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as error:
            raise InvalidTokenError(str(error)) from None
        subject = claims["sub"]
        if not isinstance(subject, str) or not 0 < len(subject) <= SUBJECT_MAX_LENGTH:
            raise InvalidTokenError(f"its subject must be a string of 1 to {SUBJECT_MAX_LENGTH} characters")
        granted = words(claims.get("scope")) | words(claims.get("scp"))
        missing = [scope for scope in self.required_scopes if scope not in granted]
        if missing:
            raise InsufficientScopeError(missing)
        admin = self.admin_role in words(claim_at(claims, self.roles_claim))
        return Principal(subject=subject, role=Role.ADMIN if admin else Role.MEMBER)
