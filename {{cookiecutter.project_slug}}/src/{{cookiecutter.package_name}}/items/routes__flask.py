"""The items routes."""

from flask import Response
from flask_openapi.models.tag import Tag
from pydantic import BaseModel, Field

from ..auth.guard import current_principal, guarded_blueprint
from ..core import database
from ..core.fields import MAX_ROW_ID
from ..web.compat import empty_response, json_response
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


@blueprint.post("", responses={201: ItemRead, **problem_responses(400, 409, 413, 415, 422, 503)})
def create_item(body: ItemCreate) -> Response:
    """Create an item of yours; its name must be unique among your items."""
    item = service.create_item(database.session(), current_principal(), body)
    return json_response(ItemRead.model_validate(item), 201, {"Location": item_url(item.id)})


@blueprint.get("/<item_id>", responses={200: ItemRead, **problem_responses(404, 422, 503)})
def read_item(path: ItemPath) -> Response:
    """Read one item."""
    return json_response(service.read_item(database.session(), current_principal(), path.item_id))


@blueprint.patch("/<item_id>", responses={200: ItemRead, **problem_responses(400, 404, 409, 413, 415, 422, 503)})
def update_item(path: ItemPath, body: ItemUpdate) -> Response:
    """Change the fields present in the body; the others keep their values."""
    item = service.update_item(database.session(), current_principal(), path.item_id, body)
    return json_response(ItemRead.model_validate(item))


@blueprint.delete("/<item_id>", responses={204: None, **problem_responses(404, 422, 503)})
def delete_item(path: ItemPath) -> Response:
    """Delete one item."""
    service.delete_item(database.session(), current_principal(), path.item_id)
    return empty_response(204)


blueprints = [blueprint]
