"""Database fixtures: one migrated SQLite file for the test run, emptied after each test."""

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import event, make_url
from sqlalchemy.pool import Pool

from {{ cookiecutter.package_name }}.core.models import Base
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import TEST_SETTINGS
from .helpers import alembic_config


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def database_file(settings: Settings) -> Path:
    return Path(str(make_url(settings.database_url).database))


def synchronous_off(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous = OFF")
    cursor.close()


@pytest.fixture(scope="session", autouse=True)
def commits_without_waiting() -> Iterator[None]:
    """Every connection of the test process commits without waiting for the disk: no test needs its data to survive
    a crash, and on a busy disk the wait is most of what a write costs."""
    event.listen(Pool, "connect", synchronous_off)
    yield
    event.remove(Pool, "connect", synchronous_off)


@pytest.fixture(scope="session")
def session_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings with the test run's migrated database, which the application and the servers share."""
    url = sqlite_url(tmp_path_factory.mktemp("data") / "test.db")
    command.upgrade(alembic_config(url), "head")
    return Settings(database_url=url, **TEST_SETTINGS)


@pytest.fixture
def settings(session_settings: Settings) -> Iterator[Settings]:
    """Settings with the test run's database, emptied again when the test ends."""
    yield session_settings
    empty_tables(database_file(session_settings))


def empty_tables(path: Path) -> None:
    """Delete every row of every feature's tables, and the counters of AUTOINCREMENT columns.

    Most tests leave the tables empty: they are then left alone, so that no write waits for the disk.
    """
    with closing(sqlite3.connect(path)) as connection:
        tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
        if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
            tables.append("sqlite_sequence")
        if not any(connection.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() for table in tables):
            return
        # What a test leaves behind need not survive a crash.
        connection.execute("PRAGMA synchronous = OFF")
        with connection:
            for table in tables:
                connection.execute(f'DELETE FROM "{table}"')


@pytest.fixture
def empty_database_url(tmp_path: Path) -> str:
    """A database with no tables at all, for the migration tests."""
    return sqlite_url(tmp_path / "empty.db")


@pytest.fixture
def database_outage(
    settings: Settings, close_database_connections: Callable[[], None]
) -> Callable[[], AbstractContextManager[None]]:
    """Make the database unreachable, by moving its folder away, until the block ends."""
    folder = database_file(settings).parent

    @contextmanager
    def outage() -> Iterator[None]:
        close_database_connections()
        moved = folder.rename(folder.with_name(f"{folder.name}-moved-away"))
        try:
            yield
        finally:
            moved.rename(folder)

    return outage


@pytest.fixture
def database_lock(settings: Settings) -> Callable[[], AbstractContextManager[None]]:
    """Hold an exclusive lock on the database from another connection until the block ends."""

    @contextmanager
    def locked() -> Iterator[None]:
        connection = sqlite3.connect(database_file(settings), isolation_level=None)
        try:
            connection.execute("BEGIN EXCLUSIVE")
            yield
            connection.execute("ROLLBACK")
        finally:
            connection.close()

    return locked
