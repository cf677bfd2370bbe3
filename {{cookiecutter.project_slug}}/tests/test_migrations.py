"""The migrations build the schema the models describe, and take it down again."""

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, inspect

from {{ cookiecutter.package_name }} import database

from .fixtures import alembic_config, sqlite_url


def table_names(database_url: str) -> list[str]:
    names: list[str] = []

    def collect(connection: Connection) -> None:
        names.extend(inspect(connection).get_table_names())

    database.run_on_connection(database_url, collect)
    return sorted(names)


def test_upgrade_matches_the_models_and_downgrade_removes_everything(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "migrations.db")
    config = alembic_config(url)

    command.upgrade(config, "head")
    assert table_names(url) == ["alembic_version", "items"]
    command.check(config)

    command.downgrade(config, "base")
    assert table_names(url) == ["alembic_version"]


def test_migrations_can_be_rendered_as_sql_for_review(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    command.upgrade(alembic_config(sqlite_url(tmp_path / "unused.db")), "head", sql=True)

    assert "CREATE TABLE items" in capsys.readouterr().out
