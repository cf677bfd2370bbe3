"""Mail leaves through the jobs' worker: a request that writes to the outbox asks the worker for a delivery round at
once, without waiting for the broker, and beat asks every few seconds for the messages due again."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from celery import Celery
from fastapi import FastAPI, Request

from ..jobs.broker import create_celery
from .tasks import ask_for_delivery


@asynccontextmanager
async def run_sender(app: FastAPI) -> AsyncIterator[None]:
    """The lifespan of the accounts' router: the application's publisher of delivery tasks."""
    celery = create_celery(app.state.settings)
    app.state.mail_publisher = celery
    try:
        yield
    finally:
        celery.close()


def wake_sender(request: Request) -> None:
    """Have the worker look at the outbox now: a request has just written to it."""
    celery: Celery = request.app.state.mail_publisher
    asyncio.get_running_loop().run_in_executor(None, ask_for_delivery, celery)
