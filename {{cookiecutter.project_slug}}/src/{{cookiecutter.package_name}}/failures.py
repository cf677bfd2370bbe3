"""Which exceptions become which problems: one mapping for both frameworks."""

import logging

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from .http_rules import detail_for
from .item_queries import ItemNameTakenError, ItemNotFoundError
from .problems import Problem, problem

logger = logging.getLogger(__name__)

CLIENT_ERRORS: dict[type[Exception], int] = {ItemNotFoundError: 404, ItemNameTakenError: 409}
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, PoolTimeoutError, OSError)
"""The database cannot be reached or did not answer in time; asyncpg raises OSErrors (refused, unknown host,
timed out) while it connects."""
UNAVAILABLE_SQLSTATE_CLASSES = ("08", "3D", "53", "57")
"""Connection exception, unknown database, insufficient resources, operator intervention (statement timeout)."""
EXPECTED_ERRORS = (*CLIENT_ERRORS, *UNAVAILABLE_ERRORS, DBAPIError)


def status_for(error: Exception) -> int:
    for kind, status in CLIENT_ERRORS.items():
        if isinstance(error, kind):
            return status
    if isinstance(error, UNAVAILABLE_ERRORS):
        return 503
    sqlstate = str(getattr(getattr(error, "orig", None), "sqlstate", ""))
    return 503 if sqlstate.startswith(UNAVAILABLE_SQLSTATE_CLASSES) else 500


def problem_for(error: Exception, method: str, path: str) -> Problem:
    """The problem for an exception a route raised; only a client error's own message reaches the client."""
    status = status_for(error)
    if status == 500:
        logger.error("Unhandled error on %s %s", method, path, exc_info=error)
    elif status == 503:
        logger.warning("%s %s: %s", method, path, error)
    return problem(status, str(error) if status < 500 else detail_for(status), path)
