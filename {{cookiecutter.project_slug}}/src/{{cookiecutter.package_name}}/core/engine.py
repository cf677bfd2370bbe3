"""Engine options derived from the settings, for the database module."""

import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import URL, Engine, event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from ..settings import Settings

PING_AFTER_IDLE_SECONDS = 1.0
"""A pooled connection idle for longer than this is pinged before use. Under load a connection is back in use
within milliseconds and is not pinged (a ping is a round trip on every request); after a restart of the database,
the first request that meets a broken connection gets a 503 and SQLAlchemy replaces every older connection."""
IDLE_SINCE = "idle_since"


def engine_url(database_url: str, drivers: Mapping[str, str]) -> URL:
    """The URL with the application's driver when it names none: ``postgresql://`` becomes ``postgresql+<driver>://``."""
    url = make_url(database_url)
    return url.set(drivername=drivers.get(url.drivername, url.drivername))


def pool_options(url: URL, settings: Settings) -> dict[str, Any]:
    """The size of a server database's pool; connections are checked by ``ping_idle_connections``."""
    if url.get_backend_name() == "sqlite":
        return {}
    return {"pool_size": settings.database_pool_size, "pool_timeout": settings.database_pool_timeout}


def ping_idle_connections(engine: Engine) -> None:
    """Check a connection that has been idle before handing it out, so that a restarted database is picked up."""

    @event.listens_for(engine, "checkin")
    def remember_idle_since(_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        idle_since = record.info.get(IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(connection)
        except Exception as error:
            # The pool discards this connection and checks out another, as it does for pool_pre_ping.
            raise DisconnectionError(str(error)) from error


def enforce_foreign_keys(engine: Engine) -> None:
    """Make SQLite enforce foreign keys, and so their ``ON DELETE CASCADE``, on every connection: it does not unless
    each connection asks."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def foreign_keys_on(connection: Any, _record: ConnectionPoolEntry) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


def milliseconds(seconds: float) -> str:
    return str(round(seconds * 1000))
