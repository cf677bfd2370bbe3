"""What can go wrong with identity, in the words of the error vocabulary, and the OAuth 2.0 token errors."""

from collections.abc import Mapping
from http import HTTPStatus

from ..core.errors import ConflictError, NotFoundError, ServiceError


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


class UserNotFoundError(NotFoundError):
    """No account has this id, or none the principal may see."""

    def __init__(self, user_id: int) -> None:
        super().__init__(f"User {user_id} does not exist.")


class OwnAccountError(ConflictError):
    """An admin may not demote or deactivate themselves: no service should be left without an admin by mistake."""

    def __init__(self) -> None:
        super().__init__("An admin cannot change their own role or deactivate themselves; another admin can.")


class EmailTakenError(ConflictError):
    def __init__(self) -> None:
        super().__init__("An account with this e-mail address already exists.")


class RegistrationClosedError(ServiceError):
    status = HTTPStatus.FORBIDDEN

    def __init__(self) -> None:
        super().__init__("Registration is closed; an admin creates accounts.")


class WrongPasswordError(ServiceError):
    """The current password given to change it is wrong."""

    status = HTTPStatus.FORBIDDEN

    def __init__(self) -> None:
        super().__init__("The current password is wrong.")


class WeakPasswordError(ServiceError):
    """The new password breaks a rule that needs the account to check: it is the e-mail address."""

    status = HTTPStatus.BAD_REQUEST


class OAuthError(Exception):
    """An error of the token endpoint, answered as RFC 6749, section 5.2 says rather than as a problem."""

    def __init__(self, error: str, description: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
