"""The health and items routes."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from . import database, items
from .database import SessionDep
from .models import Item
from .paths import HEALTH_URL, ITEMS_URL, item_url
from .problems import problem_responses
from .schemas import (
    MAX_ITEM_ID,
    ItemCreate,
    ItemListQuery,
    ItemPage,
    ItemRead,
    ItemUpdate,
    Liveness,
    Readiness,
)

ItemId = Annotated[int, Path(ge=1, le=MAX_ITEM_ID)]

# Any URL may be too long (414), whatever the operation.
health = APIRouter(prefix=HEALTH_URL, tags=["health"], responses=problem_responses(414))
items_api = APIRouter(prefix=ITEMS_URL, tags=["items"], responses=problem_responses(414))


@health.get("/live")
async def live() -> Liveness:
    """The process is up and serving requests."""
    return Liveness()


@health.get("/ready", responses=problem_responses(503))
async def ready(request: Request) -> Readiness:
    """The process and its database are ready for traffic."""
    await database.ping(request.app.state.engine)
    return Readiness(checks={"database": "ok"})


@items_api.get("", responses=problem_responses(422, 503))
async def list_items(query: Annotated[ItemListQuery, Query()], session: SessionDep) -> ItemPage:
    """List items, oldest first, optionally only those whose name contains the text q."""
    page, total = await items.list_items(session, query)
    return ItemPage(
        items=[ItemRead.model_validate(item) for item in page],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )


@items_api.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ItemRead,
    responses=problem_responses(400, 409, 413, 415, 422, 503),
)
async def create_item(data: ItemCreate, session: SessionDep, response: Response) -> Item:
    """Create an item; its name must be unique."""
    item = await items.create_item(session, data)
    response.headers["Location"] = item_url(item.id)
    return item


@items_api.get("/{item_id}", response_model=ItemRead, responses=problem_responses(404, 422, 503))
async def read_item(item_id: ItemId, session: SessionDep) -> Item:
    """Read one item."""
    return await items.get_item(session, item_id)


@items_api.patch(
    "/{item_id}",
    response_model=ItemRead,
    responses=problem_responses(400, 404, 409, 413, 415, 422, 503),
)
async def update_item(item_id: ItemId, data: ItemUpdate, session: SessionDep) -> Item:
    """Change the fields present in the body; the others keep their values."""
    return await items.update_item(session, item_id, data)


@items_api.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(404, 422, 503),
)
async def delete_item(item_id: ItemId, session: SessionDep) -> None:
    """Delete one item."""
    await items.delete_item(session, item_id)
