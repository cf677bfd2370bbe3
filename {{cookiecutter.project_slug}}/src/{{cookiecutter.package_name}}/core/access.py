"""Refusing a caller, as RFC 6750 says: not authenticated (401, with a challenge) or not allowed (403); and reading
the bearer token they sent."""

from collections.abc import Mapping
from http import HTTPStatus

from .errors import ServiceError


class AuthenticationError(ServiceError):
    """No valid credentials: the client must authenticate (RFC 6750 names the error when a token was refused)."""

    status = HTTPStatus.UNAUTHORIZED

    def __init__(self, detail: str = "Authentication is required.", *, token_refused: bool = False) -> None:
        super().__init__(detail)
        self.token_refused = token_refused

    @property
    def headers(self) -> Mapping[str, str]:
        if self.token_refused:
            return {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        return {"WWW-Authenticate": "Bearer"}


class PermissionDeniedError(ServiceError):
    """The principal is authenticated, but their role does not allow this."""

    status = HTTPStatus.FORBIDDEN

    def __init__(self, detail: str = "Your role does not allow this.") -> None:
        super().__init__(detail)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (RFC 6750, section 2.1): the scheme in any case, the
    token possibly empty (and then refused as any invalid token)."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None
