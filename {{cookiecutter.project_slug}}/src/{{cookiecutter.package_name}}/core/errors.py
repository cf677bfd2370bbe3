"""The error vocabulary: what a feature raises, each kind carrying the HTTP status and title it is answered with.

A feature subclasses these (``ItemNotFoundError(NotFoundError)``); the web layer turns any of them into a problem
body, so no central table lists a feature's exceptions.
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError


class ServiceError(Exception):
    """An error the client is told about: the status and title of its kind, and its own message as the detail."""

    status: ClassVar[HTTPStatus] = HTTPStatus.INTERNAL_SERVER_ERROR

    @property
    def title(self) -> str:
        return self.status.phrase

    @property
    def detail(self) -> str:
        return str(self)

    @property
    def headers(self) -> Mapping[str, str]:
        """Headers the answer must carry, such as ``WWW-Authenticate``."""
        return {}


class NotFoundError(ServiceError):
    """The requested resource does not exist."""

    status = HTTPStatus.NOT_FOUND


class ConflictError(ServiceError):
    """The request contradicts the current state, such as a name that another resource already has."""

    status = HTTPStatus.CONFLICT


class ConcurrentChangeError(ConflictError):
    """Another request changed or deleted the resource between this request's read of it and its write."""

    def __init__(self) -> None:
        super().__init__(
            "Another request changed the resource while this one was changing it. Read it again and retry; send "
            "If-Match with its ETag to change only what you have read."
        )


class InvalidRequestError(ServiceError):
    """The request is well-formed, but breaks a rule that its schema cannot state; ``errors`` say where, as those of
    validation do (``{"loc", "msg", "type"}``)."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY

    def __init__(self, detail: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail)
        self.errors = errors


class PreconditionFailedError(ServiceError):
    """The resource's entity tag is none of those the request's If-Match names: it changed since the client read it."""

    status = HTTPStatus.PRECONDITION_FAILED

    def __init__(self) -> None:
        super().__init__(
            "The resource has changed since the ETag that If-Match names: nothing was changed. Read it again for "
            "its current ETag."
        )


class PreconditionRequiredError(ServiceError):
    """A change that must name the entity tag it was read at did not send If-Match."""

    status = HTTPStatus.PRECONDITION_REQUIRED

    def __init__(self) -> None:
        super().__init__("This change must be conditional: send If-Match with the ETag of the resource, from a read.")


class UnavailableError(ServiceError):
    """The database cannot be reached or did not answer in time; the client may try again."""

    status = HTTPStatus.SERVICE_UNAVAILABLE

    def __init__(self, detail: str = "The database is unavailable; try again later.") -> None:
        super().__init__(detail)


class MigrationsPendingError(UnavailableError):
    """The database lacks tables or columns this version uses: its migrations have not been applied."""

    def __init__(self) -> None:
        super().__init__(
            "The database schema is older than this version of the service: its migrations are pending. "
            "Apply them with `alembic upgrade head`."
        )


UNREACHABLE_ERRORS = (OperationalError, InterfaceError, PoolTimeoutError, OSError)
"""The database cannot be reached or did not answer in time; asyncpg raises OSErrors (refused, unknown host,
timed out) while it connects."""
UNREACHABLE_SQLSTATE_CLASSES = ("08", "28", "3D", "53", "57")
"""Connection exception, refused credentials, unknown database, insufficient resources, operator intervention
(statement timeout)."""
MISSING_SCHEMA_SQLSTATES = ("42P01", "42703")
"""PostgreSQL's undefined table and undefined column."""
MISSING_SCHEMA_MESSAGES = ("no such table", "no such column")
"""SQLite's words for the same."""


def database_failure(error: Exception) -> ServiceError | None:
    """The vocabulary's name for a database error that is not a bug: pending migrations or an unreachable database."""
    if not isinstance(error, (DBAPIError, *UNREACHABLE_ERRORS)):
        return None
    original = getattr(error, "orig", None)
    sqlstate = str(getattr(original, "sqlstate", None) or "")
    if sqlstate in MISSING_SCHEMA_SQLSTATES or any(words in str(original) for words in MISSING_SCHEMA_MESSAGES):
        return MigrationsPendingError()
    if isinstance(error, UNREACHABLE_ERRORS) or sqlstate.startswith(UNREACHABLE_SQLSTATE_CLASSES):
        return UnavailableError()
    return None
