"""Fixtures that do not depend on the framework: a migrated database of its own for each test."""

import shutil
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from {{ cookiecutter.package_name }}.settings import Settings

PROJECT = Path(__file__).resolve().parents[1]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def alembic_config(database_url: str) -> Config:
    """The project's Alembic configuration, pointed at ``database_url``."""
    config = Config(toml_file=PROJECT / "pyproject.toml")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with every migration applied, made once and copied for each test."""
    path = tmp_path_factory.mktemp("migrated") / "migrated.db"
    command.upgrade(alembic_config(sqlite_url(path)), "head")
    return path


@pytest.fixture
def settings(tmp_path: Path, migrated_database: Path) -> Settings:
    """Settings with a migrated database of the test's own."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(migrated_database, data / "test.db")
    return Settings(database_url=sqlite_url(data / "test.db"))
