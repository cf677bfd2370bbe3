"""What can go wrong with identity, in the words of the error vocabulary, and the OAuth 2.0 token errors."""

from http import HTTPStatus

from ..core.errors import ConflictError, NotFoundError, ServiceError


class UserNotFoundError(NotFoundError):
    """No account has this id, or none the principal may see."""

    def __init__(self, user_id: int) -> None:
        super().__init__(f"User {user_id} does not exist.")


class OwnAccountError(ConflictError):
    """An admin may not demote, deactivate or delete themselves as an admin: no service should be left without an admin
    by mistake (their own password deletes their account)."""

    def __init__(self) -> None:
        super().__init__("An admin cannot change their own role, deactivate or delete themselves; another admin can.")


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


class InvalidLinkError(ServiceError):
    """A mailed link's token that is unknown, used, expired or for an account that can no longer use it."""

    status = HTTPStatus.BAD_REQUEST

    def __init__(self) -> None:
        super().__init__("The link is invalid, used or expired; ask for a new one.")


INVALID_CREDENTIALS = "The e-mail address or the password is wrong."
INVALID_REFRESH_TOKEN = "The refresh token is invalid, expired or revoked."
UNVERIFIED_EMAIL = "The e-mail address is not verified yet: follow the link mailed to it, or ask for a new one."


class OAuthError(Exception):
    """An error of the token endpoint, answered as RFC 6749, section 5.2 says rather than as a problem."""

    def __init__(self, error: str, description: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
