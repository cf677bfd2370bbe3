"""The items routes."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from ..auth.guard import GUARDED_RESPONSES, CurrentPrincipal
from ..core.database import SessionDep
from ..core.fields import MAX_ROW_ID
from ..web.problems import problem_responses
from . import URL, item_url, service
from .models import Item
from .schemas import ItemCreate, ItemListQuery, ItemPage, ItemRead, ItemUpdate

ItemId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

router = APIRouter(prefix=URL, tags=["items"], responses=GUARDED_RESPONSES)


@router.get("", responses=problem_responses(422, 503))
async def list_items(
    query: Annotated[ItemListQuery, Query()], principal: CurrentPrincipal, session: SessionDep
) -> ItemPage:
    """List your items (an admin: every item), oldest first, optionally only those whose name contains the text q."""
    return await service.list_items(session, principal, query)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ItemRead,
    responses=problem_responses(400, 409, 413, 415, 422, 503),
)
async def create_item(
    data: ItemCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> Item:
    """Create an item of yours; its name must be unique among your items."""
    item = await service.create_item(session, principal, data)
    response.headers["Location"] = item_url(item.id)
    return item


@router.get("/{item_id}", responses=problem_responses(404, 422, 503))
async def read_item(item_id: ItemId, principal: CurrentPrincipal, session: SessionDep) -> ItemRead:
    """Read one item."""
    return await service.read_item(session, principal, item_id)


@router.patch(
    "/{item_id}",
    response_model=ItemRead,
    responses=problem_responses(400, 404, 409, 413, 415, 422, 503),
)
async def update_item(
    item_id: ItemId,
    data: ItemUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> Item:
    """Change the fields present in the body; the others keep their values."""
    return await service.update_item(session, principal, item_id, data)


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(404, 422, 503),
)
async def delete_item(item_id: ItemId, principal: CurrentPrincipal, session: SessionDep) -> None:
    """Delete one item."""
    await service.delete_item(session, principal, item_id)


routers = [router]
