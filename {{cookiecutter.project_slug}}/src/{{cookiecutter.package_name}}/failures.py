"""Which exceptions become which problems: one mapping for both frameworks."""

import logging

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from .http_rules import detail_for
from .item_queries import ItemNameTakenError, ItemNotFoundError
from .problems import Problem, problem

logger = logging.getLogger(__name__)

EXPECTED_ERRORS: dict[type[Exception], int] = {
    ItemNotFoundError: 404,
    ItemNameTakenError: 409,
    OperationalError: 503,
    InterfaceError: 503,
    PoolTimeoutError: 503,
}
"""Exceptions that happen in normal operation, and their status; any other exception is a 500."""


def problem_for(error: Exception, method: str, path: str) -> Problem:
    """The problem for an exception a route raised; only a client error's own message reaches the client."""
    status = next((status for kind, status in EXPECTED_ERRORS.items() if isinstance(error, kind)), 500)
    if status == 500:
        logger.error("Unhandled error on %s %s", method, path, exc_info=error)
    elif status >= 500:
        logger.warning("%s %s: %s", method, path, error)
    return problem(status, str(error) if status < 500 else detail_for(status), path)
