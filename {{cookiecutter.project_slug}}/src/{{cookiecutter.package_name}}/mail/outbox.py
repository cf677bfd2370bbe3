"""The outbox's statements: write a message, take the due ones, and record how each delivery went.

Taking messages is one ``UPDATE ... RETURNING`` over rows that no other sender holds (``SKIP LOCKED`` on PostgreSQL;
SQLite runs one writer at a time): of several processes looking at once, each takes different messages. A sender
records the outcome only while its lease holds, so a message whose lease ran out and was taken again is not recorded
twice.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Delete, Update, or_, select, update
from sqlalchemy.sql.dml import ReturningUpdate

from ..core.purging import purge_batch
from .models import OutboxMessage

LEASE = timedelta(seconds=60)
"""How long a sender holds a message: far longer than one SMTP exchange may take."""
TAKEN_AT_ONCE = 10
FIRST_RETRY_SECONDS = 2
LAST_RETRY_SECONDS = 15 * 60
ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Mail:
    """A message as the service writes it: to whom, about what, in plain text and in HTML."""

    recipient: str
    subject: str
    text: str
    html: str


def new_message(mail: Mail, domain: str) -> OutboxMessage:
    return OutboxMessage(
        # Not email.utils.make_msgid, which draws from ``random``: a seeded process repeats its values.
        message_id=f"<{secrets.token_hex(16)}@{domain}>",
        recipient=mail.recipient,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        attempts=0,
    )


def take_due(now: datetime) -> ReturningUpdate[OutboxMessage]:
    """Lease the messages that are due and held by no sender, counting an attempt at each; returns them."""
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until <= now),
        )
        .order_by(OutboxMessage.id)
        .limit(TAKEN_AT_ONCE)
        .with_for_update(skip_locked=True)
    )
    return (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(lease_until=now + LEASE, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )


def purge_done(now: datetime, kept: timedelta) -> Delete:
    """Delete a batch of the messages that were sent or failed longer ago than ``kept``."""
    return purge_batch(OutboxMessage.id, or_(OutboxMessage.sent_at < now - kept, OutboxMessage.failed_at < now - kept))


def record_sent(message: OutboxMessage, now: datetime) -> Update:
    return _record(message, sent_at=now, last_error=None)


def record_failed(message: OutboxMessage, now: datetime, error: str) -> Update:
    return _record(message, failed_at=now, last_error=error[:ERROR_LENGTH])


def record_retry(message: OutboxMessage, now: datetime, error: str) -> Update:
    """Try again after a backoff that doubles with each attempt, with jitter, so that many senders spread out."""
    seconds = min(FIRST_RETRY_SECONDS * 2 ** (message.attempts - 1), LAST_RETRY_SECONDS)
    delay = timedelta(seconds=seconds * random.uniform(0.5, 1.5))
    return _record(message, next_attempt_at=now + delay, last_error=error[:ERROR_LENGTH])


def _record(message: OutboxMessage, **values: object) -> Update:
    return (
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.lease_until == message.lease_until)
        .values(lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
