"""Database fixtures: a migrated SQLite file of its own for each test or module, copied from one migrated once."""

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from alembic import command

from {{ cookiecutter.package_name }}.settings import Settings

from .helpers import alembic_config


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "migrated.db"
    command.upgrade(alembic_config(sqlite_url(path)), "head")
    return path


@pytest.fixture
def settings(tmp_path: Path, migrated_database: Path) -> Settings:
    """Settings with a migrated database of the test's own; every response is validated."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(migrated_database, data / "test.db")
    return Settings(database_url=sqlite_url(data / "test.db"), validate_responses=True)


@pytest.fixture(scope="module")
def module_settings(tmp_path_factory: pytest.TempPathFactory, migrated_database: Path) -> Settings:
    """Settings with a migrated database shared by the tests of one module, such as a server started once for them."""
    path = tmp_path_factory.mktemp("module") / "module.db"
    shutil.copyfile(migrated_database, path)
    return Settings(database_url=sqlite_url(path))


@pytest.fixture
def empty_database_url(tmp_path: Path) -> str:
    """A database with no tables at all, for the migration tests."""
    return sqlite_url(tmp_path / "empty.db")


@pytest.fixture
def database_outage(
    tmp_path: Path, settings: Settings, close_database_connections: Callable[[], None]
) -> Callable[[], AbstractContextManager[None]]:
    """Make the database unreachable, by moving its folder away, until the block ends."""
    folder = tmp_path / "data"

    @contextmanager
    def outage() -> Iterator[None]:
        close_database_connections()
        moved = folder.rename(folder.with_name("moved-away"))
        try:
            yield
        finally:
            moved.rename(folder)

    return outage


@pytest.fixture
def database_lock(tmp_path: Path) -> Callable[[], AbstractContextManager[None]]:
    """Hold an exclusive lock on the database from another connection until the block ends."""

    @contextmanager
    def locked() -> Iterator[None]:
        connection = sqlite3.connect(tmp_path / "data" / "test.db", isolation_level=None)
        try:
            connection.execute("BEGIN EXCLUSIVE")
            yield
            connection.execute("ROLLBACK")
        finally:
            connection.close()

    return locked
