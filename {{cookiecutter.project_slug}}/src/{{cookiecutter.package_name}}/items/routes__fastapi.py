"""The items routes."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from ..auth.guard import GUARDED_RESPONSES, CurrentPrincipal
from ..core.database import SessionDep
from ..core.fields import MAX_ROW_ID
from ..web.answers import answer_once
from ..web.conditional import ChangePrecondition, HeldCopy
from ..web.etags import CREATED, ETAG, NOT_MODIFIED, TAGGED, entity_tag
from ..web.idempotency import Answer
from ..web.idempotent import IdempotencyKey, claim
from ..web.idempotent import response as answered
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
    responses={201: CREATED, **problem_responses(400, 409, 413, 415, 422, 503)},
)
async def create_item(
    data: ItemCreate, key: IdempotencyKey, principal: CurrentPrincipal, session: SessionDep, request: Request
) -> Response:
    """Create an item of yours; its name must be unique among your items. Retried with the Idempotency-Key of a
    request that created one, the answer of that request."""

    async def create(work_session: AsyncSession) -> Answer:
        item = await service.create_item(work_session, principal, data)
        headers = {"Location": item_url(item.id), ETAG: entity_tag(item.version)}
        return Answer.of(status.HTTP_201_CREATED, ItemRead.model_validate(item), headers)

    return answered(await answer_once(session, claim(key, principal, request, data), create))


@router.get(
    "/{item_id}",
    response_model=ItemRead,
    responses={200: TAGGED, 304: NOT_MODIFIED, **problem_responses(404, 422, 503)},
)
async def read_item(
    item_id: ItemId, held: HeldCopy, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> ItemRead | Response:
    """Read one item; with If-None-Match naming its ETag, 304 and no body while it is unchanged."""
    item = await service.read_item(session, principal, item_id)
    tag = entity_tag(item.version)
    if held.matches(tag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={ETAG: tag})
    response.headers[ETAG] = tag
    return item


@router.patch(
    "/{item_id}",
    response_model=ItemRead,
    responses={200: TAGGED, **problem_responses(400, 404, 409, 412, 413, 415, 422, 428, 503)},
)
async def update_item(
    item_id: ItemId,
    data: ItemUpdate,
    precondition: ChangePrecondition,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> Item:
    """Change the fields present in the body; the others keep their values. With If-Match, only while the item
    still has that ETag."""
    item = await service.update_item(session, principal, item_id, data, precondition)
    response.headers[ETAG] = entity_tag(item.version)
    return item


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(404, 409, 412, 422, 428, 503),
)
async def delete_item(
    item_id: ItemId, precondition: ChangePrecondition, principal: CurrentPrincipal, session: SessionDep
) -> None:
    """Delete one item. With If-Match, only while it still has that ETag."""
    await service.delete_item(session, principal, item_id, precondition)


routers = [router]
