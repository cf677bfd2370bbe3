"""The sender of this process: a thread that delivers the outbox, woken at once when a request writes a message and
every few seconds otherwise (a message due again, another process's lease run out). Each server process starts its
own on its first request, since threads do not survive the fork that makes a worker."""

import logging
import os
import threading

from flask import Flask, current_app
from flask.blueprints import BlueprintSetupState
from sqlalchemy.orm import Session, sessionmaker

from ..core.database import current_database
from .delivery import deliver_due
from .settings import MailSettings

logger = logging.getLogger(__name__)
EXTENSION = "mail_sender"
STARTING = threading.Lock()


class Sender(threading.Thread):
    def __init__(self, settings: MailSettings, sessions: sessionmaker[Session]) -> None:
        super().__init__(name="mail-sender", daemon=True)
        self.settings = settings
        self.sessions = sessions
        self.wanted = threading.Event()
        self.process = os.getpid()

    def run(self) -> None:
        while True:
            try:
                delivered = deliver_due(self.settings, self.sessions)
            except Exception:
                logger.exception("The outbox could not be read; trying again in %s s.", self.settings.mail_poll_seconds)
                delivered = 0
            if not delivered:
                self.wanted.wait(self.settings.mail_poll_seconds)
                self.wanted.clear()


def running_sender(app: Flask) -> Sender | None:
    """This process's sender, started if it is not running yet; None when no SMTP server is configured."""
    settings: MailSettings = app.extensions["settings"]
    if settings.smtp_host is None:
        return None
    sender: Sender | None = app.extensions.get(EXTENSION)
    if sender is not None and sender.process == os.getpid():
        return sender
    with STARTING:
        sender = app.extensions.get(EXTENSION)
        if sender is None or sender.process != os.getpid():
            sender = Sender(settings, current_database().sessions)
            app.extensions[EXTENSION] = sender
            sender.start()
    return sender


def init_sender(state: BlueprintSetupState) -> None:
    """Registered once by the accounts' blueprint: with an SMTP server configured, each server process starts its
    sender on its first request."""
    settings: MailSettings = state.app.extensions["settings"]
    if settings.smtp_host is not None:
        state.app.before_request(start_sender)


def start_sender() -> None:
    """Run before each request, once ``init_sender`` has registered it."""
    running_sender(current_app)


def wake_sender() -> None:
    """Have the sender look at the outbox now: a request has just written to it."""
    if sender := running_sender(current_app):
        sender.wanted.set()
