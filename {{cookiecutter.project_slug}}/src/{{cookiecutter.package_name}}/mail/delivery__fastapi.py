"""One delivery round: take the messages that are due, hand each to the SMTP server, and record how it went; the
messages done long enough ago go in the same round."""

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..core.models import utc_now
from .outbox import purge_done, record_failed, record_retry, record_sent, take_due
from .settings import MailSettings
from .smtp import DeliveryError, deliver

logger = logging.getLogger(__name__)


async def deliver_due(settings: MailSettings, sessions: async_sessionmaker[AsyncSession]) -> int:
    """Deliver the messages that are due, and purge those done long enough ago; how many were taken."""
    async with sessions() as session:
        now = utc_now()
        await session.execute(purge_done(now, timedelta(days=settings.mail_kept_days)))
        messages = (await session.scalars(take_due(now))).all()
        await session.commit()
        for message in messages:
            try:
                await asyncio.to_thread(deliver, settings, message)
            except DeliveryError as error:
                retry = not error.permanent and message.attempts < settings.mail_max_attempts
                outcome = record_retry if retry else record_failed
                await session.execute(outcome(message, utc_now(), str(error)))
                logger.warning("Mail %s not delivered (attempt %d): %s", message.id, message.attempts, error)
            else:
                await session.execute(record_sent(message, utc_now()))
            await session.commit()
        return len(messages)
