"""A PostgreSQL database for one benchmark run: created, migrated by the bake, seeded, then dropped."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from .common import run, served_env
from .projects import Project

ADMIN_URL = os.environ.get("BENCH_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
"""The database through which the harness creates and drops its own; the README says how to change it."""
OPEN_OWNER = "everyone"
"""The owner of every item in an open API (``auth=none``); with accounts, an item's owner is its user's id."""


def _url_of(name: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new, empty database with a unique name, dropped when the block ends, even after a failure."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _url_of(name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def migrate(project: Project, url: str) -> None:
    """Create the tables with the project's own migrations."""
    env = served_env({project.env_name("database_url"): url})
    run([project.path / ".venv" / "bin" / "alembic", "upgrade", "head"], cwd=project.path, env=env)


def seed_items(url: str, items: int, owner: str = OPEN_OWNER) -> None:
    """Add ``items`` items with ids 1 to ``items``, all of one owner, each with a random version (its entity tag), as
    the generated app writes one."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO items (owner, name, description, quantity, created_at, updated_at, version)"
            " SELECT %s, 'seeded-' || n, 'A seeded item.', n, now(), now(), substr(md5(random()::text), 1, 16)"
            " FROM generate_series(1, %s) AS n",
            (owner, items),
        )
        connection.execute("ANALYZE items")


def trim_items(url: str, items: int) -> None:
    """Remove every item past the first ``items`` (those that creates added) and vacuum the table, so that each
    comparison reads and counts the seeded rows, whatever was created before it."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DELETE FROM items WHERE id > %s", (items,))
        connection.execute("VACUUM ANALYZE items")


def migrate_and_seed(project: Project, url: str, items: int) -> None:
    """Create the tables of an open API, then add ``items`` items with ids 1 to ``items``."""
    migrate(project, url)
    seed_items(url, items)


def server_version() -> str:
    with psycopg.connect(ADMIN_URL) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"
