"""The migrations build the schema the models describe, and take it down again."""

import pytest
from alembic import command
from sqlalchemy import Connection, inspect

from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.models import Base
from {{ cookiecutter.package_name }}.settings import Settings

from .helpers import alembic_config


def table_names(database_url: str) -> list[str]:
    names: list[str] = []

    def collect(connection: Connection) -> None:
        names.extend(inspect(connection).get_table_names())

    database.run_on_connection(Settings(database_url=database_url), collect)
    return sorted(names)


def test_upgrade_matches_the_models_and_downgrade_removes_everything(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)

    command.upgrade(config, "head")
    assert table_names(empty_database_url) == sorted(["alembic_version", *Base.metadata.tables])
    command.check(config)

    command.downgrade(config, "base")
    assert table_names(empty_database_url) == ["alembic_version"]


def test_migrations_can_be_rendered_as_sql_for_review(
    empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    command.upgrade(alembic_config(empty_database_url), "head", sql=True)

    sql = capsys.readouterr().out
    for table in Base.metadata.tables:
        assert f"CREATE TABLE {table}" in sql
