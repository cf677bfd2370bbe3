"""The async engine, and one session per request as a FastAPI dependency."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import URL, Connection, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite"}


def async_url(database_url: str) -> URL:
    """The URL with an async driver, when it names none: ``sqlite://`` becomes ``sqlite+aiosqlite://``."""
    url = make_url(database_url)
    return url.set(drivername=ASYNC_DRIVERS.get(url.drivername, url.drivername))


def create_engine(database_url: str) -> AsyncEngine:
    """An engine that checks each pooled connection before use, so a restarted database is picked up."""
    return create_async_engine(async_url(database_url), pool_pre_ping=True)


def create_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit, as async code cannot lazy-load."""
    return async_sessionmaker(engine, expire_on_commit=False)


def run_on_connection(database_url: str, work: Callable[[Connection], None]) -> None:
    """Run synchronous database work, such as Alembic's migrations, on a connection of the async driver."""

    async def run() -> None:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(work)
        finally:
            await engine.dispose()

    asyncio.run(run())


async def ping(engine: AsyncEngine) -> None:
    """Raise if the database cannot run a trivial query."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
