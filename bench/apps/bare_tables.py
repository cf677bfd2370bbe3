"""The items table as the bare apps see it (SQLAlchemy Core, no ORM), and the JSON of one item."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table

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
)


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
