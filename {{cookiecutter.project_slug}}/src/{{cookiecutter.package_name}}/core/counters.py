"""Counters in windows, where every worker process and every replica sees them: one row per counter in a table of
the database, or one key in Redis when a Redis URL is configured.

Each count is one atomic step (an upsert here, a transaction of Redis commands in ``counting``): two processes that
count at once both count, and neither can read a count the other has not yet written. A window starts with a
counter's first count and ends after its length; the next count after that starts a new one. Whatever counts in
windows counts with this one machinery (the rate limits, and a feature's own throttle), each in a table of its own and
with keys of its own.
"""

from datetime import datetime, timedelta

from sqlalchemy import Delete, String, Update, bindparam, case, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.dml import ReturningInsert

from .models import PURGE_AFTER, Base, UTCDateTime
from .purging import purge_batch

MAX_KEY_LENGTH = 400


class CounterRows:
    """The columns of a table of counters: a counter's key, its count in the current window, and when that ends."""

    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    attempts: Mapped[int]
    window_ends: Mapped[datetime] = mapped_column(UTCDateTime(), index=True, info={PURGE_AFTER: True})


class RateLimitCounters(CounterRows, Base):
    """How many requests a caller has made in the current window of a rate limit (see ``web.rate_limits``)."""

    __tablename__ = "rate_limit_counters"


CounterTable = type[CounterRows]
"""A mapped table of counters, such as ``RateLimitCounters``."""
OWN_COMMITS = {"isolation_level": "AUTOCOMMIT"}
"""The execution options of a connection that only counts: each statement commits on its own, so that a counter's row
is locked while its statement runs, not until a COMMIT sent after it; a caller's requests that race for the same
counter then wait on each other that much less."""


def count_statement(table: CounterTable, dialect: str) -> ReturningInsert[int, datetime]:
    """Add an ``amount`` to the counter of a ``key``, starting a new window (ending at ``window_ends``) when the last
    one has ended by ``now``; returns the count and the window's end. One statement, so that two processes counting at
    once both count; built once, its values bound at each count (see ``count_values``)."""
    statement = _count_statements.get((table, dialect))
    if statement is None:
        statement = _count_statements[table, dialect] = _built_count_statement(table, dialect)
    return statement


_count_statements: dict[tuple[CounterTable, str], ReturningInsert[int, datetime]] = {}


def _built_count_statement(table: CounterTable, dialect: str) -> ReturningInsert[int, datetime]:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(
        key=bindparam("key"), attempts=bindparam("amount"), window_ends=bindparam("window_ends")
    )
    ended = table.window_ends <= bindparam("now", type_=UTCDateTime())
    return statement.on_conflict_do_update(
        index_elements=[table.key],
        set_={
            "attempts": case((ended, statement.excluded.attempts), else_=table.attempts + statement.excluded.attempts),
            "window_ends": case((ended, statement.excluded.window_ends), else_=table.window_ends),
        },
    ).returning(table.attempts, table.window_ends)


def count_values(key: str, now: datetime, window: timedelta, amount: int) -> dict[str, object]:
    """The values of one count by ``count_statement``."""
    return {"key": key, "amount": amount, "window_ends": now + window, "now": now}


def take_back_statement(table: CounterTable, key: str) -> Update:
    return (
        update(table)
        .where(table.key == key, table.attempts > 0)
        .values(attempts=table.attempts - 1)
        .execution_options(synchronize_session=False)
    )


def forget_statement(table: CounterTable, key: str) -> Delete:
    return delete(table).where(table.key == key).execution_options(synchronize_session=False)


def purge_statement(table: CounterTable, now: datetime) -> Delete:
    """Delete a batch of counters whose window has ended."""
    return purge_batch(table.key, table.window_ends <= now)
