"""Deleting rows that are of no more use, a batch at a time, as the requests that write such rows go."""

from typing import Any

from sqlalchemy import ColumnElement, Delete, delete, select
from sqlalchemy.orm import InstrumentedAttribute

PURGED_AT_ONCE = 100
"""How many rows one purge deletes at most: enough to outpace their creation, never a long statement."""


def purge_batch(key: InstrumentedAttribute[Any], condition: ColumnElement[bool]) -> Delete:
    """Delete a batch of the rows that meet ``condition``, found by their primary ``key``, so that a table stays small
    with no sweep of its own. Rows another transaction holds are skipped (``SKIP LOCKED`` on PostgreSQL): a purge
    never waits, and so can never be part of a deadlock."""
    batch = select(key).where(condition).limit(PURGED_AT_ONCE).with_for_update(skip_locked=True)
    return delete(key.class_).where(key.in_(batch.scalar_subquery())).execution_options(synchronize_session=False)
