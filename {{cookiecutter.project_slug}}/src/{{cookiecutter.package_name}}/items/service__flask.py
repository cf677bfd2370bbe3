"""The items resource, on the request's database session."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..core.principals import Principal
from ..web.etags import UNCONDITIONAL, Precondition
from .errors import ItemNameTakenError, ItemNotFoundError
from .models import Item
from .queries import (
    CHANGEABLE,
    READ,
    apply_update,
    count_matching,
    is_name_taken,
    new_item,
    page_statement,
)
from .schemas import ItemCreate, ItemListQuery, ItemPage, ItemRead, ItemUpdate


def list_items(session: Session, principal: Principal, query: ItemListQuery) -> ItemPage:
    """One page of the principal's items and the number of their items that match the query."""
    rows = session.execute(page_statement(query, principal))
    total = session.execute(count_matching(principal, query.q)).scalar_one()
    items = [ItemRead.model_validate(row) for row in rows]
    return ItemPage(items=items, total=total, limit=query.limit, offset=query.offset)


def read_item(session: Session, principal: Principal, item_id: int) -> ItemRead:
    """The item, if the principal may see it: another's item does not exist for them."""
    row = session.execute(*READ.of_item(principal, item_id)).first()
    if row is None:
        raise ItemNotFoundError(item_id)
    return ItemRead.model_validate(row)


def get_item(session: Session, principal: Principal, item_id: int) -> Item:
    """The item to change, if the principal may see it, loaded into the session."""
    item: Item | None = session.scalars(*CHANGEABLE.of_item(principal, item_id)).first()
    if item is None:
        raise ItemNotFoundError(item_id)
    return item


def create_item(session: Session, principal: Principal, data: ItemCreate) -> Item:
    item = new_item(data, principal)
    session.add(item)
    _commit(session, data.name)
    return item


def update_item(
    session: Session,
    principal: Principal,
    item_id: int,
    data: ItemUpdate,
    precondition: Precondition = UNCONDITIONAL,
) -> Item:
    item = get_item(session, principal, item_id)
    precondition.check(item.version)
    apply_update(item, data)
    _commit(session, item.name, precondition)
    return item


def delete_item(
    session: Session, principal: Principal, item_id: int, precondition: Precondition = UNCONDITIONAL
) -> None:
    item = get_item(session, principal, item_id)
    precondition.check(item.version)
    session.delete(item)
    _commit(session, item.name, precondition)


def _commit(session: Session, name: str, precondition: Precondition = UNCONDITIONAL) -> None:
    """Commit, or roll back and say which rule the write broke."""
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        if is_name_taken(error):
            raise ItemNameTakenError(name) from None
        raise
    except StaleDataError:
        # Another request changed or deleted the item after this one read it.
        session.rollback()
        raise precondition.concurrent_write_error() from None
