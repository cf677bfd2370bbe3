"""The items routes."""

from flask import Response
from flask_openapi.models.tag import Tag
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ..auth.guard import current_principal, guarded_blueprint
from ..core import database
from ..core.fields import MAX_ROW_ID
from ..web.answers import answer_once
from ..web.compat import empty_response, json_response, response_parts
from ..web.conditional import change_precondition
from ..web.etags import CREATED, ETAG, NOT_MODIFIED, TAGGED, IfMatch, IfNoneMatch, entity_tag
from ..web.idempotency import Answer, IdempotencyKeyHeader
from ..web.idempotent import claim
from ..web.idempotent import response as answered
from ..web.problems import problem_responses
from . import URL, item_url, service
from .schemas import ItemCreate, ItemListQuery, ItemPage, ItemRead, ItemUpdate


class ItemPath(BaseModel):
    item_id: int = Field(ge=1, le=MAX_ROW_ID)


blueprint = guarded_blueprint("items", __name__, url_prefix=URL, abp_tags=[Tag(name="items")])


@blueprint.get("", responses={200: ItemPage, **problem_responses(422, 503)})
def list_items(query: ItemListQuery) -> Response:
    """List your items (an admin: every item), oldest first, optionally only those whose name contains the text q."""
    return json_response(service.list_items(database.session(), current_principal(), query))


@blueprint.post(
    "",
    responses={201: ItemRead, **problem_responses(400, 409, 413, 415, 422, 503)},
    openapi_extensions=response_parts({201: CREATED}),
)
def create_item(body: ItemCreate, header: IdempotencyKeyHeader) -> Response:
    """Create an item of yours; its name must be unique among your items. Retried with the Idempotency-Key of a
    request that created one, the answer of that request."""
    principal = current_principal()

    def create(work_session: Session) -> Answer:
        item = service.create_item(work_session, principal, body)
        headers = {"Location": item_url(item.id), ETAG: entity_tag(item.version)}
        return Answer.of(201, ItemRead.model_validate(item), headers)

    return answered(answer_once(database.session(), claim(header, principal, body), create))


@blueprint.get(
    "/<item_id>",
    responses={200: ItemRead, 304: NOT_MODIFIED, **problem_responses(404, 422, 503)},
    openapi_extensions=response_parts({200: TAGGED}),
)
def read_item(path: ItemPath, header: IfNoneMatch) -> Response:
    """Read one item; with If-None-Match naming its ETag, 304 and no body while it is unchanged."""
    item = service.read_item(database.session(), current_principal(), path.item_id)
    tag = entity_tag(item.version)
    if header.matches(tag):
        return empty_response(304, {ETAG: tag})
    return json_response(item, headers={ETAG: tag})


@blueprint.patch(
    "/<item_id>",
    responses={200: ItemRead, **problem_responses(400, 404, 409, 412, 413, 415, 422, 428, 503)},
    openapi_extensions=response_parts({200: TAGGED}),
)
def update_item(path: ItemPath, body: ItemUpdate, header: IfMatch) -> Response:
    """Change the fields present in the body; the others keep their values. With If-Match, only while the item
    still has that ETag."""
    precondition = change_precondition(header)
    item = service.update_item(database.session(), current_principal(), path.item_id, body, precondition)
    return json_response(ItemRead.model_validate(item), headers={ETAG: entity_tag(item.version)})


@blueprint.delete("/<item_id>", responses={204: None, **problem_responses(404, 409, 412, 422, 428, 503)})
def delete_item(path: ItemPath, header: IfMatch) -> Response:
    """Delete one item. With If-Match, only while it still has that ETag."""
    service.delete_item(database.session(), current_principal(), path.item_id, change_precondition(header))
    return empty_response(204)


blueprints = [blueprint]
