"""Databases for the bakes' migration checks: a SQLite file, or a scratch database on the local PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

ADMIN_URL = os.environ.get("TEMPLATE_TEST_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database of this kind, removed when the block ends, also after a failure."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'scratch.db'}"
        return
    name = f"template_check_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
