"""The engine, and one session per request that is closed when the request ends."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, text
from sqlalchemy import create_engine as create_sqlalchemy_engine
from sqlalchemy.orm import Session, sessionmaker

EXTENSION = "database"


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]


def create_engine(database_url: str) -> Engine:
    """An engine that checks each pooled connection before use, so a restarted database is picked up."""
    return create_sqlalchemy_engine(database_url, pool_pre_ping=True)


def run_on_connection(database_url: str, work: Callable[[Connection], None]) -> None:
    """Run database work, such as Alembic's migrations, on a connection of its own."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            work(connection)
    finally:
        engine.dispose()


def init_app(app: Flask, database_url: str) -> None:
    """Give each request of ``app`` its own session; the tables come from migrations."""
    engine = create_engine(database_url)
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


def ping() -> None:
    """Raise if the database cannot run a trivial query."""
    with current_database().engine.connect() as connection:
        connection.execute(text("SELECT 1"))
