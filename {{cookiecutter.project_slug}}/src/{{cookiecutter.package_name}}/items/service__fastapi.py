"""The items resource, on the request's database session."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
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


async def list_items(session: AsyncSession, principal: Principal, query: ItemListQuery) -> ItemPage:
    """One page of the principal's items and the number of their items that match the query."""
    rows = await session.execute(page_statement(query, principal))
    total = (await session.execute(count_matching(principal, query.q))).scalar_one()
    items = [ItemRead.model_validate(row) for row in rows]
    return ItemPage(items=items, total=total, limit=query.limit, offset=query.offset)


async def read_item(session: AsyncSession, principal: Principal, item_id: int) -> ItemRead:
    """The item, if the principal may see it: another's item does not exist for them."""
    row = (await session.execute(*READ.of_item(principal, item_id))).first()
    if row is None:
        raise ItemNotFoundError(item_id)
    return ItemRead.model_validate(row)


async def get_item(session: AsyncSession, principal: Principal, item_id: int) -> Item:
    """The item to change, if the principal may see it, loaded into the session."""
    item: Item | None = (await session.scalars(*CHANGEABLE.of_item(principal, item_id))).first()
    if item is None:
        raise ItemNotFoundError(item_id)
    return item


async def create_item(session: AsyncSession, principal: Principal, data: ItemCreate) -> Item:
    item = new_item(data, principal)
    session.add(item)
    await _commit(session, data.name)
    return item


async def update_item(
    session: AsyncSession,
    principal: Principal,
    item_id: int,
    data: ItemUpdate,
    precondition: Precondition = UNCONDITIONAL,
) -> Item:
    item = await get_item(session, principal, item_id)
    precondition.check(item.version)
    apply_update(item, data)
    await _commit(session, item.name, precondition)
    return item


async def delete_item(
    session: AsyncSession, principal: Principal, item_id: int, precondition: Precondition = UNCONDITIONAL
) -> None:
    item = await get_item(session, principal, item_id)
    precondition.check(item.version)
    await session.delete(item)
    await _commit(session, item.name, precondition)


async def _commit(session: AsyncSession, name: str, precondition: Precondition = UNCONDITIONAL) -> None:
    """Commit, or roll back and say which rule the write broke."""
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        if is_name_taken(error):
            raise ItemNameTakenError(name) from None
        raise
    except StaleDataError:
        # Another request changed or deleted the item after this one read it.
        await session.rollback()
        raise precondition.concurrent_write_error() from None
