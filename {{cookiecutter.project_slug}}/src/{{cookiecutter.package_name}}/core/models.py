"""The declarative base of every feature's tables, its naming convention and the shared column types."""

import re
import secrets
from datetime import UTC, datetime

from sqlalchemy import (
    Connection,
    DateTime,
    Dialect,
    MetaData,
    TypeDecorator,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraints get predictable names, which migrations and error handling refer to."""
PURGE_AFTER = "purge_after"
"""The key of a column's ``info`` that marks the time after which its row is of no more use: with background jobs,
the periodic sweep deletes such rows."""
OWNER = "owner"
"""The key of a column's ``info`` that marks it as naming the subject of the principal who owns the row: when an
account is deleted, its rows in every such table go with it."""
VERSION_LENGTH = 16
"""The length of a row version: 64 random bits in hexadecimal digits."""
SQLITE_UNIQUE_VIOLATION = re.compile(r"UNIQUE constraint failed: (?P<table>\w+)\.(?P<columns>\w+(?:, \w+\.\w+)*)")
"""SQLite names the table and columns of a violated unique constraint, not the constraint itself."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is stored in UTC and always read back time-zone aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_version(_previous: str | None = None) -> str:
    """A row's next version, for the ORM's version counter (``version_id_generator``) and the column's default.

    Random rather than counted: SQLite gives a new row the id of a deleted last row, and a counter would then give it
    that row's versions too, so that a tag read from the old row would match the new one.
    """
    return secrets.token_hex(VERSION_LENGTH // 2)


class Base(DeclarativeBase):
    """Base class of every table; a feature's tables join its metadata when the feature's models are imported."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def unique_constraint_name(model: type[Base], *columns: str) -> str:
    """The name the naming convention gave the unique constraint on these columns of the model's table."""
    table = Base.metadata.tables[model.__tablename__]
    names = [
        str(constraint.name)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint) and constraint.columns.keys() == list(columns)
    ]
    if not names:
        raise LookupError(f"no unique constraint of {table.name} is on {', '.join(columns)}")
    return names[0]


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint an integrity error violated, when the database says which one it was."""
    cause = error.orig.__cause__ if error.orig is not None and error.orig.__cause__ is not None else error.orig
    diagnostics = getattr(cause, "diag", None)
    name = getattr(diagnostics, "constraint_name", None) or getattr(cause, "constraint_name", None)
    if name:
        return str(name)
    match = SQLITE_UNIQUE_VIOLATION.search(str(error.orig))
    if match is None:
        return None
    columns = [qualified.rpartition(".")[2] for qualified in match["columns"].split(", ")]
    return NAMING_CONVENTION["uq"] % {"table_name": match["table"], "column_0_N_name": "_".join(columns)}


def missing_schema(connection: Connection) -> list[str]:
    """The tables and columns of every feature that the database lacks: none once its migrations are applied.

    A database ahead of this version (a newer release migrated it first) has more, which does no harm.
    """
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    missing = []
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            missing.append(table.name)
            continue
        columns = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{column.name}" for column in table.columns if column.name not in columns]
    return missing
