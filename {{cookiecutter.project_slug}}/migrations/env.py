"""Alembic's entry point: migrate the database that the settings name, or the URL Alembic was given."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from {{ cookiecutter.package_name }} import database
from {{ cookiecutter.package_name }}.models import Base
from {{ cookiecutter.package_name }}.settings import Settings


def run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.config.config_file_name is not None:
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)

settings = Settings()
if url := context.config.get_main_option("sqlalchemy.url"):
    settings = settings.model_copy(update={"database_url": url})
if context.is_offline_mode():
    context.configure(url=settings.database_url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    database.run_on_connection(settings, run_migrations)
