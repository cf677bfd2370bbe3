"""Mail leaves through the jobs' worker: a request that writes to the outbox asks the worker for a delivery round at
once, without waiting for the broker, and beat asks every few seconds for the messages due again."""

import threading

from celery import Celery
from flask import current_app
from flask.blueprints import BlueprintSetupState

from ..jobs.broker import create_celery
from .tasks import ask_for_delivery

EXTENSION = "mail_publisher"


def init_sender(state: BlueprintSetupState) -> None:
    """Give the application its publisher of delivery tasks (registered once by the accounts' blueprint)."""
    state.app.extensions[EXTENSION] = create_celery(state.app.extensions["settings"])


def wake_sender() -> None:
    """Have the worker look at the outbox now: a request has just written to it."""
    celery: Celery = current_app.extensions[EXTENSION]
    threading.Thread(target=ask_for_delivery, args=(celery,), name="mail-wake", daemon=True).start()
