"""A POST's work done once per idempotency key, on the request's database session (see ``idempotency``)."""

from collections.abc import Callable

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from ..core.errors import ConflictError
from .idempotency import (
    FORGET,
    HELD_AT_ONCE,
    HOLD,
    PURGE,
    STORE,
    STORED_ANSWER,
    Answer,
    Claim,
    IdempotencyKeyInUseError,
    StoredAnswer,
    bounded_wait,
    expired,
    purge_due,
    replay,
    stored_row,
    waited_too_long,
)

Work = Callable[[Session], Answer]
"""A POST's work on the session it is given, and its answer."""
Then = Callable[[], None]
"""What a POST does once its work is committed, outside the database, such as handing a job to a broker."""


def answer_once(session: Session, claim: Claim | None, work: Work, then: Then | None = None) -> Answer:
    """The work's answer: done now (and ``then`` after it), or stored by the first request with the claim's key.

    With a key, the request's transaction holds the key first, and reads the answer stored with it, if any. Otherwise
    the work runs in that transaction, on a session that joins it (its commit only flushes, its rollback ends the
    transaction), and the key's row is inserted with the answer and committed with the work. Should the work meet
    another's (a conflict, or the key stored meanwhile), the transaction rolls back, and the answer stored since, if
    any, is the answer. Should ``then`` fail, the key is deleted, so that a retry runs again.
    """
    if claim is None:
        answer = work(session)
        if then is not None:
            then()
        return answer
    parameters = claim.parameters
    connection = session.connection()
    stored = _hold_key(connection, claim)
    if stored is not None and not expired(stored, claim):
        session.rollback()
        return replay(stored, claim)
    if stored is not None:
        connection.execute(FORGET, parameters)
    try:
        keyed = Session(bind=connection, join_transaction_mode="rollback_only", expire_on_commit=False)
        with keyed:
            answer = work(keyed)
        connection.execute(STORE, stored_row(claim, answer))
        if purge_due():
            connection.execute(PURGE, parameters)
        session.commit()
    except (IntegrityError, ConflictError):
        # Closed rather than rolled back: the work's session may have rolled back the transaction already.
        session.close()
        stored = session.execute(STORED_ANSWER, parameters).one_or_none()
        if stored is None or expired(stored, claim):
            raise
        return replay(stored, claim)
    if then is not None:
        try:
            then()
        except BaseException:
            session.execute(FORGET, parameters)
            session.commit()
            raise
    return answer


def _hold_key(connection: Connection, claim: Claim) -> StoredAnswer | None:
    """Hold the key for the session's transaction, once no other request holds it, waiting for that at most the
    claim's wait; the key's stored answer, if any."""
    parameters = claim.parameters
    dialect = connection.dialect.name
    if dialect == "postgresql":
        row = connection.execute(HELD_AT_ONCE, parameters).one()
        if row.held:
            return None if row.fingerprint is None else row
    wait, usual_wait = bounded_wait(dialect, claim)
    try:
        connection.execute(wait)
        connection.execute(HOLD[dialect], parameters)
    except DBAPIError as error:
        if dialect != "postgresql":
            # SQLite's wait is the connection's, PostgreSQL's the transaction's, which ends with the request.
            connection.execute(usual_wait)
        if waited_too_long(error):
            raise IdempotencyKeyInUseError(claim.wait) from None
        raise
    connection.execute(usual_wait)
    return connection.execute(STORED_ANSWER, parameters).one_or_none()
