"""Engine options derived from the settings, shared by both frameworks' database modules."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import URL, make_url

from .settings import Settings


def engine_url(database_url: str, drivers: Mapping[str, str]) -> URL:
    """The URL with the framework's driver when it names none: ``postgresql://`` may become ``postgresql+asyncpg://``."""
    url = make_url(database_url)
    return url.set(drivername=drivers.get(url.drivername, url.drivername))


def pool_options(url: URL, settings: Settings) -> dict[str, Any]:
    """Check connections before use, so a restarted database is picked up; size the pool of a server database."""
    if url.get_backend_name() == "sqlite":
        return {"pool_pre_ping": True}
    return {
        "pool_pre_ping": True,
        "pool_size": settings.database_pool_size,
        "pool_timeout": settings.database_pool_timeout,
    }


def milliseconds(seconds: float) -> str:
    return str(round(seconds * 1000))
