"""The engine, and one session per request that is closed when the request ends."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import URL, Connection, Engine
from sqlalchemy import create_engine as create_sqlalchemy_engine
from sqlalchemy.orm import Session, sessionmaker

from ..settings import Settings
from .engine import enforce_foreign_keys, engine_url, milliseconds, ping_idle_connections, pool_options
from .errors import MigrationsPendingError
from .models import missing_schema

DRIVERS = {"postgresql": "postgresql+psycopg"}
EXTENSION = "database"


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]


def connect_args(url: URL, settings: Settings) -> dict[str, Any]:
    """Bound every connection attempt and statement, so an unhealthy database cannot hang a request."""
    if url.get_backend_name() == "postgresql":
        return {
            "connect_timeout": math.ceil(settings.database_connect_timeout),
            "options": f"-c statement_timeout={milliseconds(settings.database_statement_timeout)}",
        }
    return {"timeout": settings.database_statement_timeout}


def create_engine(settings: Settings) -> Engine:
    url = engine_url(settings.database_url, DRIVERS)
    engine = create_sqlalchemy_engine(url, connect_args=connect_args(url, settings), **pool_options(url, settings))
    ping_idle_connections(engine)
    enforce_foreign_keys(engine)
    return engine


def run_on_connection(settings: Settings, work: Callable[[Connection], None]) -> None:
    """Run database work, such as Alembic's migrations, on a connection of its own."""
    engine = create_engine(settings)
    try:
        with engine.connect() as connection:
            work(connection)
    finally:
        engine.dispose()


def init_app(app: Flask, settings: Settings) -> None:
    """Give each request of ``app`` its own session; the tables come from migrations."""
    engine = create_engine(settings)
    app.extensions[EXTENSION] = Database(engine, sessionmaker(engine, expire_on_commit=False))
    app.teardown_appcontext(close_session)


def current_database() -> Database:
    database: Database = current_app.extensions[EXTENSION]
    return database


def session() -> Session:
    """The current request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_database().sessions()
    current: Session = g.db_session
    return current


def close_session(_error: BaseException | None = None) -> None:
    current: Session | None = g.pop("db_session", None)
    if current is not None:
        current.close()


def check_ready() -> None:
    """Raise unless the database answers within the timeouts and has every table and column this version uses."""
    with current_database().engine.connect() as connection:
        if missing_schema(connection):
            raise MigrationsPendingError()
