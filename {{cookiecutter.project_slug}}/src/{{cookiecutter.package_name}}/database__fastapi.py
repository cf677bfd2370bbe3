"""The async engine, and one session per request as a FastAPI dependency."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import URL, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from .models import Base

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


async def create_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)


async def ping(engine: AsyncEngine) -> None:
    """Raise if the database cannot run a trivial query."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
