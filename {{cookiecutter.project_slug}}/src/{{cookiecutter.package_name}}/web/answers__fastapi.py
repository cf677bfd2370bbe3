"""A POST's work done once per idempotency key, on the request's database session (see ``idempotency``)."""

from collections.abc import Awaitable, Callable

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from .idempotency import (
    Answer,
    Claim,
    IdempotencyKeyInUseError,
    bounded_wait,
    expired_records,
    forget,
    new_record,
    replay,
    store,
    stored_record,
    waited_too_long,
)

Work = Callable[[AsyncSession], Awaitable[Answer]]
"""A POST's work on the session it is given, and its answer."""
Then = Callable[[], Awaitable[None]]
"""What a POST does once its work is committed, outside the database, such as handing a job to a broker."""


async def answer_once(
    session: AsyncSession, engine: AsyncEngine, claim: Claim | None, work: Work, then: Then | None = None
) -> Answer:
    """The work's answer: done now (and ``then`` after it), or stored by the first request with the claim's key.

    With a key, the work runs in a transaction of its own, on a connection of the engine's. The key's row is inserted
    first: a retry's insert fails, or waits for the first request's transaction to end, and then reads the answer.
    The row is committed with the work and its answer, once the answer is stored: the work's session joins that
    transaction, and its commit only flushes; its rollback ends the transaction. Should ``then`` fail, the key is
    deleted, so that a retry runs again.
    """
    if claim is None:
        answer = await work(session)
        if then is not None:
            await then()
        return answer
    # The request's reads so far (the caller's identity) end, and give their connection back: a request that waits
    # for another's key never holds two connections.
    await session.commit()
    async with (
        engine.connect() as connection,
        AsyncSession(bind=connection, join_transaction_mode="rollback_only", expire_on_commit=False) as keyed,
    ):
        await connection.begin()
        record_id = await _insert_key(keyed, claim)
        if record_id is None:
            record = (await keyed.scalars(stored_record(claim))).one()
            return replay(record, claim)
        answer = await work(keyed)
        await keyed.execute(store(record_id, answer))
        await connection.commit()
    if then is not None:
        try:
            await then()
        except BaseException:
            await session.execute(forget(record_id))
            await session.commit()
            raise
    return answer


async def _insert_key(session: AsyncSession, claim: Claim) -> int | None:
    """Insert the key's row, uncommitted; None when another request has committed the key, before or while this one
    waited."""
    wait, usual_wait = bounded_wait(session.get_bind().dialect.name, claim)
    record = new_record(claim)
    try:
        await session.execute(wait)
        for statement in expired_records(claim):
            await session.execute(statement)
        session.add(record)
        await session.flush()
    except DBAPIError as error:
        await session.rollback()
        await session.execute(usual_wait)
        if isinstance(error, IntegrityError):
            return None
        if waited_too_long(error):
            raise IdempotencyKeyInUseError(claim.wait) from None
        raise
    await session.execute(usual_wait)
    return record.id
