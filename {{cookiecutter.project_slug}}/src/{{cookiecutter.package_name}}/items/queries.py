"""The statements and rules of the items resource, executed by the framework's own session type."""

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from ..core.models import unique_constraint_name, utc_now, violated_constraint
from .models import Item
from .schemas import ItemCreate, ItemListQuery, ItemUpdate

UNIQUE_NAME = unique_constraint_name(Item, "name")
"""The constraint that decides between two writers racing for one name; no prior check can."""


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
    for field in data.model_fields_set:
        setattr(item, field, getattr(data, field))


def is_name_taken(error: IntegrityError) -> bool:
    """Whether a failed write broke the unique name, rather than another rule that is no fault of the client's."""
    return violated_constraint(error) == UNIQUE_NAME
