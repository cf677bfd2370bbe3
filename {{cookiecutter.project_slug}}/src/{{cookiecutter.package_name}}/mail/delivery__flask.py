"""One delivery round: take the messages that are due, hand each to the SMTP server, and record how it went; the
messages done long enough ago go in the same round."""

import logging
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from ..core.models import utc_now
from .outbox import purge_done, record_failed, record_retry, record_sent, take_due
from .settings import MailSettings
from .smtp import DeliveryError, deliver

logger = logging.getLogger(__name__)


def deliver_due(settings: MailSettings, sessions: sessionmaker[Session]) -> int:
    """Deliver the messages that are due, and purge those done long enough ago; how many were taken."""
    with sessions() as session:
        now = utc_now()
        session.execute(purge_done(now, timedelta(days=settings.mail_kept_days)))
        messages = session.scalars(take_due(now)).all()
        session.commit()
        for message in messages:
            try:
                deliver(settings, message)
            except DeliveryError as error:
                retry = not error.permanent and message.attempts < settings.mail_max_attempts
                outcome = record_retry if retry else record_failed
                session.execute(outcome(message, utc_now(), str(error)))
                logger.warning("Mail %s not delivered (attempt %d): %s", message.id, message.attempts, error)
            else:
                session.execute(record_sent(message, utc_now()))
            session.commit()
        return len(messages)
