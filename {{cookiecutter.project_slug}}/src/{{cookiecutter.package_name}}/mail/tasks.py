"""The worker's mail task: a delivery round, asked for by the API when it has just written a message and by beat
every few seconds for the messages due again (after an SMTP server that was away, or a worker that was lost)."""

import logging
from functools import partial

from celery import Celery
from kombu.exceptions import KombuError

from ..jobs.runner import JobRunner
from .delivery import deliver_due

DELIVER_MAIL_TASK = f"{__package__}.deliver"
EXPIRES_SECONDS = 300
"""A delivery task that waited this long for a worker is dropped: beat has sent newer ones."""
logger = logging.getLogger(__name__)


def ask_for_delivery(celery: Celery) -> None:
    """Send the worker a delivery task; when the broker does not take it, beat's next one does the work."""
    try:
        celery.send_task(DELIVER_MAIL_TASK, expires=EXPIRES_SECONDS, retry=False)
    except (KombuError, OSError) as error:
        logger.warning("The broker did not take the mail's delivery task, which beat sends again: %s", error)


def add_tasks(celery: Celery, runner: JobRunner) -> None:
    settings = runner.settings
    schedule = {
        "task": DELIVER_MAIL_TASK,
        "schedule": settings.mail_poll_seconds,
        "options": {"expires": EXPIRES_SECONDS},
    }
    celery.conf.beat_schedule = {**celery.conf.beat_schedule, "deliver-mail": schedule}

    @celery.task(name=DELIVER_MAIL_TASK)
    def deliver_mail() -> None:
        """Deliver every message that is due; without an SMTP server configured, mail waits in the outbox."""
        if settings.smtp_host is None:
            return
        while runner.with_sessions(partial(deliver_due, settings)):
            pass
