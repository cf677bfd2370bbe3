"""The sender of this process: a task on the application's event loop that delivers the outbox, woken at once when a
request writes a message and every few seconds otherwise (a message due again, another process's lease run out)."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .delivery import deliver_due
from .settings import MailSettings

logger = logging.getLogger(__name__)


class Sender:
    def __init__(self, settings: MailSettings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.sessions = sessions
        self.wanted = asyncio.Event()

    async def run(self) -> None:
        while True:
            try:
                delivered = await deliver_due(self.settings, self.sessions)
            except Exception:
                logger.exception("The outbox could not be read; trying again in %s s.", self.settings.mail_poll_seconds)
                delivered = 0
            if not delivered:
                with suppress(TimeoutError):
                    await asyncio.wait_for(self.wanted.wait(), self.settings.mail_poll_seconds)
                self.wanted.clear()


@asynccontextmanager
async def run_sender(app: FastAPI) -> AsyncIterator[None]:
    """The lifespan of the accounts' router: the sender runs while the application does, when SMTP is configured."""
    settings: MailSettings = app.state.settings
    if settings.smtp_host is None:
        yield  # mail waits in the outbox until an SMTP server is configured
        return
    sender = Sender(settings, app.state.sessions)
    app.state.mail_sender = sender
    task = asyncio.create_task(sender.run())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def wake_sender(request: Request) -> None:
    """Have the sender look at the outbox now: a request has just written to it."""
    sender: Sender | None = getattr(request.app.state, "mail_sender", None)
    if sender is not None:
        sender.wanted.set()
