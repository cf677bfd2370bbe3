"""Alembic's entry point: migrate the database that the settings name, or the URL Alembic was given.

A PostgreSQL database that does not exist yet is created first, on the same server. A database that cannot be
reached stops the command with one line that says so, instead of a traceback.
"""

import sys
from logging.config import fileConfig
from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, TypeDecorator, make_url, text

# The app imports every feature, and so defines every table on Base.metadata.
import {{ cookiecutter.package_name }}.app  # noqa: F401
from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.errors import UnavailableError, database_failure
from {{ cookiecutter.package_name }}.core.models import Base
from {{ cookiecutter.package_name }}.settings import Settings

MAINTENANCE_DATABASE = "postgres"
"""The database every PostgreSQL server has, from which a missing one is created."""


def render_item(kind: str, item: object, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write a decorated column type, such as UTCDateTime, as the SQLAlchemy type it stores.

    A migration then never imports the application, whose types may change after it was written.
    """
    if kind == "type" and isinstance(item, TypeDecorator):
        return f"sa.{item.impl_instance!r}"
    return False


def run_migrations(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # SQLite changes a table by copying it and dropping the old one: with foreign keys enforced, as the engine has
        # them, the drop would delete every row that refers to the table.
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        connection.commit()
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def create_database_if_missing(settings: Settings) -> None:
    """Create the settings' PostgreSQL database when the server does not have it yet."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "postgresql" or not url.database or url.database == MAINTENANCE_DATABASE:
        return
    maintenance = url.set(database=MAINTENANCE_DATABASE).render_as_string(hide_password=False)

    def create(connection: Connection) -> None:
        # CREATE DATABASE cannot run inside a transaction.
        connection.execution_options(isolation_level="AUTOCOMMIT")
        found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database})
        if found.first() is None:
            quoted = connection.dialect.identifier_preparer.quote(str(url.database))
            connection.execute(text(f"CREATE DATABASE {quoted}"))

    database.run_on_connection(settings.model_copy(update={"database_url": maintenance}), create)


def migrate_online(settings: Settings) -> None:
    try:
        create_database_if_missing(settings)
        database.run_on_connection(settings, run_migrations)
    except Exception as error:
        if type(database_failure(error)) is not UnavailableError:
            raise
        shown = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        sys.exit(f"ERROR: cannot migrate {shown}: {reason}. Check that the database server runs and the URL is right.")


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
    migrate_online(settings)
