"""The items resource, on the request's database session."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.principals import Principal
from .errors import ItemNameTakenError, ItemNotFoundError
from .models import Item
from .queries import apply_update, count_statement, is_name_taken, is_visible, new_item, page_statement
from .schemas import ItemCreate, ItemListQuery, ItemUpdate


async def list_items(session: AsyncSession, principal: Principal, query: ItemListQuery) -> tuple[list[Item], int]:
    """One page of the principal's items and the number of their items that match the query."""
    items = (await session.scalars(page_statement(query, principal))).all()
    total = (await session.execute(count_statement(query, principal))).scalar_one()
    return list(items), total


async def get_item(session: AsyncSession, principal: Principal, item_id: int) -> Item:
    """The item, if the principal may see it: another's item does not exist for them."""
    item = await session.get(Item, item_id)
    if item is None or not is_visible(item, principal):
        raise ItemNotFoundError(item_id)
    return item


async def create_item(session: AsyncSession, principal: Principal, data: ItemCreate) -> Item:
    item = new_item(data, principal)
    session.add(item)
    await _commit(session, data.name)
    return item


async def update_item(session: AsyncSession, principal: Principal, item_id: int, data: ItemUpdate) -> Item:
    item = await get_item(session, principal, item_id)
    apply_update(item, data)
    await _commit(session, item.name)
    return item


async def delete_item(session: AsyncSession, principal: Principal, item_id: int) -> None:
    await session.delete(await get_item(session, principal, item_id))
    await session.commit()


async def _commit(session: AsyncSession, name: str) -> None:
    """Commit, or roll back and say which rule the write broke."""
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        if is_name_taken(error):
            raise ItemNameTakenError(name) from None
        raise
