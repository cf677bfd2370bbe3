"""The migrations build the schema the models describe, and take it down again."""

import re

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, text

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
        # The rate limits' counters are an unlogged table on PostgreSQL.
        assert re.search(rf"CREATE (?:UNLOGGED )?TABLE {table} ", sql), table


def test_items_that_existed_before_owners_belong_to_everyone(empty_database_url: str) -> None:
    """Upgrading a database that has items keeps them: they belong to "everyone", whom an admin sees as well."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0001")
    owners: list[tuple[str, str]] = []

    def add_item(connection: Connection) -> None:
        connection.execute(
            text(
                "INSERT INTO items (name, quantity, created_at, updated_at)"
                " VALUES ('Widget', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        connection.commit()

    def read_owners(connection: Connection) -> None:
        owners.extend((owner, name) for owner, name in connection.execute(text("SELECT owner, name FROM items")))

    database.run_on_connection(Settings(database_url=empty_database_url), add_item)
    command.upgrade(config, "head")
    database.run_on_connection(Settings(database_url=empty_database_url), read_owners)

    assert owners == [("everyone", "Widget")]
    command.downgrade(config, "base")


def test_items_that_existed_before_versions_get_one(empty_database_url: str) -> None:
    """Upgrading a database that has items keeps them, each with the version "0", which no new version can be."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0002")
    versions: list[str] = []

    def add_item(connection: Connection) -> None:
        connection.execute(
            text(
                "INSERT INTO items (owner, name, quantity, created_at, updated_at)"
                " VALUES ('someone', 'Widget', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        connection.commit()

    def read_versions(connection: Connection) -> None:
        versions.extend(connection.execute(text("SELECT version FROM items")).scalars())

    database.run_on_connection(Settings(database_url=empty_database_url), add_item)
    command.upgrade(config, "head")
    database.run_on_connection(Settings(database_url=empty_database_url), read_versions)

    assert versions == ["0"]
    command.downgrade(config, "base")
