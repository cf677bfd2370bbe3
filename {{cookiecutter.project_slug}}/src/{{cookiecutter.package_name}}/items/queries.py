"""The statements and rules of the items resource, executed by the framework's own session type."""

from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from ..core.models import unique_constraint_name, utc_now, violated_constraint
from ..core.principals import Principal
from .models import Item
from .schemas import ItemCreate, ItemListQuery, ItemRead, ItemUpdate

UNIQUE_NAME = unique_constraint_name(Item, "owner", "name")
"""The constraint that decides between two writers racing for one name; no prior check can."""
ITEMS = Item.__table__
"""The items table. Reads are written against its columns rather than ``Item``'s attributes: a statement that names
an attribute goes through the ORM's compilation and loading, which only writes need, and costs a read a fifth more."""
READ_COLUMNS = [ITEMS.c[field] for field in ItemRead.model_fields]
"""The columns an ``ItemRead`` returns: reads select them and validate the rows into ``ItemRead``, rather than load
whole items into the session's identity map."""


Query = tuple[Select[Any], dict[str, object]]
"""A statement built once, and the values of its parameters for one request. SQLAlchemy caches a statement's SQL by
its shape, which it works out once per statement object: a statement built for each request would pay for that each
time, about a tenth of an item read."""


class Visible:
    """A statement built twice: for an admin, who sees every item, and for anyone else, who sees their own (the
    ``owner`` parameter)."""

    def __init__(self, statement: Select[Any]) -> None:
        self.every = statement
        self.own = statement.where(ITEMS.c.owner == bindparam("owner"))

    def of_item(self, principal: Principal, item_id: int) -> Query:
        """The statement for the item ``item_id``, as the principal may see it."""
        statement = self.every if principal.is_admin else self.own
        return statement, {"item_id": item_id, "owner": principal.subject}


READ = Visible(select(*READ_COLUMNS).where(ITEMS.c.id == bindparam("item_id")))
"""An item's row, if the principal may see it."""
CHANGEABLE = Visible(select(Item).where(ITEMS.c.id == bindparam("item_id")))
"""A whole item, for a write, if the principal may see it."""


def visible(principal: Principal, statement: Select[Any]) -> Select[Any]:
    """The statement limited to the items the principal may see: an admin every item, anyone else their own."""
    return statement if principal.is_admin else statement.where(ITEMS.c.owner == principal.subject)


def named(q: str | None, statement: Select[Any]) -> Select[Any]:
    """The statement limited to the items whose name contains ``q``; every item without it."""
    return statement.where(ITEMS.c.name.contains(q, autoescape=True)) if q else statement


def page_statement(query: ItemListQuery, principal: Principal) -> Select[Any]:
    """The rows of the items on the requested page that the principal may see, oldest first."""
    statement = named(query.q, visible(principal, select(*READ_COLUMNS)))
    return statement.order_by(ITEMS.c.id).limit(query.limit).offset(query.offset)


def count_matching(principal: Principal, q: str | None) -> Select[int]:
    """How many items the principal may see have ``q`` in their name (every one of theirs without it)."""
    return named(q, visible(principal, select(func.count()).select_from(ITEMS)))


def new_item(data: ItemCreate, principal: Principal) -> Item:
    """The principal's new item, ready to be added to a session, created and updated at the same instant."""
    now = utc_now()
    return Item(**data.model_dump(), owner=principal.subject, created_at=now, updated_at=now)


def apply_update(item: Item, data: ItemUpdate) -> None:
    """Copy the fields present in a partial update onto an item."""
    for field in data.model_fields_set:
        setattr(item, field, getattr(data, field))


def is_name_taken(error: IntegrityError) -> bool:
    """Whether a failed write broke the unique name, rather than another rule that is no fault of the client's."""
    return violated_constraint(error) == UNIQUE_NAME
