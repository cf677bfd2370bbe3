"""A delivery round of the outbox in the test process: what the sender does every few seconds, done once, now."""

from sqlalchemy.orm import sessionmaker

from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.mail.delivery import deliver_due
from {{ cookiecutter.package_name }}.settings import Settings


def delivery_round(settings: Settings) -> int:
    """Deliver the messages that are due and purge those done long enough ago; how many were taken."""
    engine = database.create_engine(settings)
    try:
        return deliver_due(settings, sessionmaker(engine, expire_on_commit=False))
    finally:
        engine.dispose()
