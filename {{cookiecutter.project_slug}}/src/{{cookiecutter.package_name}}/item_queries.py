"""The statements and rules of the items resource, executed by the framework's own session type."""

from typing import Any

from sqlalchemy import Select, func, select

from .models import Item, utc_now
from .schemas import ItemCreate, ItemListQuery, ItemUpdate


class ItemNotFoundError(LookupError):
    """No item has the requested id."""

    def __init__(self, item_id: int) -> None:
        super().__init__(f"Item {item_id} does not exist.")


class ItemNameTakenError(ValueError):
    """Another item already has this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"An item named {name!r} already exists.")


def _matching(query: ItemListQuery) -> Select[Item]:
    statement = select(Item)
    if query.q:
        statement = statement.where(Item.name.contains(query.q, autoescape=True))
    return statement


def page_statement(query: ItemListQuery) -> Select[Item]:
    """The items on the requested page, oldest first."""
    return _matching(query).order_by(Item.id).limit(query.limit).offset(query.offset)


def count_statement(query: ItemListQuery) -> Select[int]:
    """How many items match the query, on every page."""
    return select(func.count()).select_from(_matching(query).subquery())


def new_item(data: ItemCreate) -> Item:
    """An item ready to be added to a session, created and updated at the same instant."""
    now = utc_now()
    return Item(**data.model_dump(), created_at=now, updated_at=now)


def apply_update(item: Item, data: ItemUpdate) -> None:
    """Copy the fields present in a partial update onto an item."""
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(item, field, value)
