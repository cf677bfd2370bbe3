"""The async engine, and one session per request as a FastAPI dependency."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from ..settings import Settings
from .engine import enforce_foreign_keys, engine_url, milliseconds, ping_idle_connections, pool_options
from .errors import MigrationsPendingError
from .models import missing_schema

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def connect_args(url: URL, settings: Settings) -> dict[str, Any]:
    """Bound every connection attempt and statement, so an unhealthy database cannot hang a request."""
    if url.get_backend_name() == "postgresql":
        return {
            "timeout": settings.database_connect_timeout,
            "server_settings": {"statement_timeout": milliseconds(settings.database_statement_timeout)},
        }
    return {"timeout": settings.database_statement_timeout}


def create_engine(settings: Settings) -> AsyncEngine:
    url = engine_url(settings.database_url, ASYNC_DRIVERS)
    engine = create_async_engine(url, connect_args=connect_args(url, settings), **pool_options(url, settings))
    ping_idle_connections(engine.sync_engine)
    enforce_foreign_keys(engine.sync_engine)
    return engine


def create_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit, as async code cannot lazy-load."""
    return async_sessionmaker(engine, expire_on_commit=False)


def run_on_connection(settings: Settings, work: Callable[[Connection], None]) -> None:
    """Run synchronous database work, such as Alembic's migrations, on a connection of the async driver."""

    async def run() -> None:
        engine = create_engine(settings)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(work)
        finally:
            await engine.dispose()

    asyncio.run(run())


async def check_ready(engine: AsyncEngine) -> None:
    """Raise unless the database answers within the timeouts and has every table and column this version uses."""
    async with engine.connect() as connection:
        if await connection.run_sync(missing_schema):
            raise MigrationsPendingError()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
