"""Database fixtures: one PostgreSQL database for the test run, migrated, emptied after each test, dropped.

The database gets a unique name, so the tests never touch the development database. It is created through the
database that this environment variable names, by default the local server's ``postgres`` database:
{{ cookiecutter.__env_prefix }}TEST_ADMIN_DATABASE_URL
"""

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from alembic import command
from sqlalchemy import Connection, make_url, text

from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.models import Base
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import TEST_SETTINGS
from .helpers import alembic_config

ADMIN_URL_VARIABLE = "{{ cookiecutter.__env_prefix }}TEST_ADMIN_DATABASE_URL"
ADMIN_URL = os.environ.get(ADMIN_URL_VARIABLE, "postgresql://postgres@127.0.0.1:5432/postgres")
NAME_PREFIX = "test_{{ cookiecutter.package_name }}"[:48]
"""Test databases are named after the package, cut so that the name stays within PostgreSQL's 63 characters."""
ADMIN_TIMEOUT = 60
"""Seconds a statement on the admin database may take."""


def run_admin(*statements: str) -> None:
    """Run statements that cannot run in a transaction, such as CREATE DATABASE, on the admin database."""

    def run(connection: Connection) -> None:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        for statement in statements:
            connection.execute(text(statement))

    # Creating and dropping a database writes files: on a busy machine it may take longer than a query may.
    database.run_on_connection(Settings(database_url=ADMIN_URL, database_statement_timeout=ADMIN_TIMEOUT), run)


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new, empty database with a unique name, dropped when the block ends, even after a failure."""
    name = f"{NAME_PREFIX}_{uuid.uuid4().hex[:12]}"
    run_admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        run_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def session_settings() -> Iterator[Settings]:
    """Settings with the test run's migrated database, which the application and the servers share.

    Its commits return before the disk has them (``synchronous_commit``): no test needs its data to survive a crash,
    and on a busy disk the wait is most of what a write costs.
    """
    with scratch_database() as url:
        run_admin(f'ALTER DATABASE "{make_url(url).database}" SET synchronous_commit = off')
        command.upgrade(alembic_config(url), "head")
        yield Settings(database_url=url, **TEST_SETTINGS)


@pytest.fixture
def settings(session_settings: Settings) -> Iterator[Settings]:
    """Settings with the test run's database, emptied again when the test ends."""
    yield session_settings
    database.run_on_connection(session_settings, empty_tables)


USED_SEQUENCES = "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
"""The sequences of the database that have handed out an id."""


def every_table() -> str:
    """The name of every table of every feature, quoted, for one statement."""
    return ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)


def empty_tables(connection: Connection) -> None:
    """Empty every feature's table and restart its ids, unless the test left them all as it found them.

    Most tests write nothing, and the check costs less than any emptying. The tables are small: deleting their rows
    takes a fraction of what TRUNCATE does, which replaces each table's files.
    """
    written = [f'EXISTS (SELECT FROM "{table.name}")' for table in Base.metadata.sorted_tables]
    # A sequence that has handed out an id, even to an insert that failed, has a last value.
    written.append(f"EXISTS (SELECT {USED_SEQUENCES})")
    if connection.execute(text(f"SELECT {' OR '.join(written)}")).scalar():
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(text(f'DELETE FROM "{table.name}"'))
        connection.execute(text(f"SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) {USED_SEQUENCES}"))
        connection.commit()


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    """A database with no tables at all, for the migration tests."""
    with scratch_database() as url:
        yield url


@pytest.fixture
def database_outage(
    settings: Settings, close_database_connections: Callable[[], None]
) -> Callable[[], AbstractContextManager[None]]:
    """Make the database unreachable, by renaming it, until the block ends."""
    name = make_url(settings.database_url).database

    @contextmanager
    def outage() -> Iterator[None]:
        close_database_connections()
        run_admin(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
            f'ALTER DATABASE "{name}" RENAME TO "{name}_away"',
        )
        try:
            yield
        finally:
            run_admin(f'ALTER DATABASE "{name}_away" RENAME TO "{name}"')

    return outage


@pytest.fixture
def database_lock(settings: Settings) -> Callable[[], AbstractContextManager[None]]:
    """Hold an exclusive lock on every table from another connection until the block ends."""

    @contextmanager
    def locked() -> Iterator[None]:
        acquired, release = threading.Event(), threading.Event()

        def hold(connection: Connection) -> None:
            connection.execute(text(f"LOCK TABLE {every_table()} IN ACCESS EXCLUSIVE MODE"))
            acquired.set()
            release.wait(timeout=60)
            connection.rollback()

        holder = threading.Thread(target=database.run_on_connection, args=(settings, hold))
        holder.start()
        try:
            assert acquired.wait(timeout=10), "the lock was not acquired"
            yield
        finally:
            release.set()
            holder.join()

    return locked
