"""A delivery round of the outbox in the test process: what the sender does every few seconds, done once, now."""

import asyncio

from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.mail.delivery import deliver_due
from {{ cookiecutter.package_name }}.settings import Settings


def delivery_round(settings: Settings) -> int:
    """Deliver the messages that are due and purge those done long enough ago; how many were taken."""

    async def deliver() -> int:
        engine = database.create_engine(settings)
        try:
            return await deliver_due(settings, database.create_sessions(engine))
        finally:
            await engine.dispose()

    return asyncio.run(deliver())
