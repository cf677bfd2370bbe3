"""The items routes."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from ..core.database import SessionDep
from ..core.fields import MAX_ROW_ID
from ..web.problems import problem_responses
from . import URL, item_url, service
from .models import Item
from .schemas import ItemCreate, ItemListQuery, ItemPage, ItemRead, ItemUpdate

ItemId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

router = APIRouter(prefix=URL, tags=["items"])


@router.get("", responses=problem_responses(422, 503))
async def list_items(query: Annotated[ItemListQuery, Query()], session: SessionDep) -> ItemPage:
    """List items, oldest first, optionally only those whose name contains the text q."""
    page, total = await service.list_items(session, query)
    return ItemPage(
        items=[ItemRead.model_validate(item) for item in page],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ItemRead,
    responses=problem_responses(400, 409, 413, 415, 422, 503),
)
async def create_item(data: ItemCreate, session: SessionDep, response: Response) -> Item:
    """Create an item; its name must be unique."""
    item = await service.create_item(session, data)
    response.headers["Location"] = item_url(item.id)
    return item


@router.get("/{item_id}", response_model=ItemRead, responses=problem_responses(404, 422, 503))
async def read_item(item_id: ItemId, session: SessionDep) -> Item:
    """Read one item."""
    return await service.get_item(session, item_id)


@router.patch(
    "/{item_id}",
    response_model=ItemRead,
    responses=problem_responses(400, 404, 409, 413, 415, 422, 503),
)
async def update_item(item_id: ItemId, data: ItemUpdate, session: SessionDep) -> Item:
    """Change the fields present in the body; the others keep their values."""
    return await service.update_item(session, item_id, data)


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(404, 422, 503),
)
async def delete_item(item_id: ItemId, session: SessionDep) -> None:
    """Delete one item."""
    await service.delete_item(session, item_id)
