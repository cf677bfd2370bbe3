"""The items table as the bare apps see it (SQLAlchemy Core, no ORM), the list's statements, and the JSON of an item
and of a page. A new item gets a random version, as the generated app writes one (its entity tag)."""

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, Select, String, Table, bindparam, func, select

OWNER = "everyone"
"""Whom an item belongs to in an open API (``auth=none``), as the generated app the bare one is measured against."""
items = Table(
    "items",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("owner", String(255)),
    Column("name", String(100)),
    Column("description", String(1000)),
    Column("quantity", Integer),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
    Column("version", String(16), default=lambda: secrets.token_hex(8)),
)
READ_COLUMNS = [items.c[name] for name in ("id", "name", "description", "quantity", "created_at", "updated_at")]
"""What the API returns of an item, which the generated reads select."""


def iso(moment: datetime) -> str:
    """The timestamp as Pydantic writes a UTC datetime, so the bare and generated bodies match."""
    return moment.isoformat().replace("+00:00", "Z")


def item_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "quantity": row["quantity"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


READ = select(*READ_COLUMNS).where(items.c.id == bindparam("item_id"))
"""The generated read in an open API (whose principal sees every item): the columns the API returns, by the
``item_id`` parameter, built once as the generated read is."""


def page_statement(limit: int, offset: int) -> Select[Any]:
    """The generated list's page in an open API: the columns the API returns, oldest first."""
    return select(*READ_COLUMNS).order_by(items.c.id).limit(limit).offset(offset)


def count_statement() -> Select[Any]:
    """The generated list's total, counted as it counts it."""
    return select(func.count()).select_from(items)


def page_json(rows: Sequence[Mapping[Any, Any]], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"items": [item_json(row) for row in rows], "total": total, "limit": limit, "offset": offset}
