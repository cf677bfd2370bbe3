"""The health and items routes."""

from flask import Response
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from pydantic import BaseModel, Field

from . import database, items
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


class ItemPath(BaseModel):
    item_id: int = Field(ge=1, le=MAX_ITEM_ID)


REQUEST_LOCATIONS = {ItemPath.__name__: "path", ItemListQuery.__name__: "query"}
"""Where a request model's fields come from, named as FastAPI names it in validation errors."""

# Any URL may be too long (414), whatever the operation.
health = APIBlueprint(
    "health", __name__, url_prefix=HEALTH_URL, abp_tags=[Tag(name="health")], abp_responses={**problem_responses(414)}
)
items_api = APIBlueprint(
    "items", __name__, url_prefix=ITEMS_URL, abp_tags=[Tag(name="items")], abp_responses={**problem_responses(414)}
)


def json_response(body: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body.model_dump_json(), status, headers, mimetype="application/json")


@health.get("/live", responses={200: Liveness})
def live() -> Response:
    """The process is up and serving requests."""
    return json_response(Liveness())


@health.get("/ready", responses={200: Readiness, **problem_responses(503)})
def ready() -> Response:
    """The process and its database are ready for traffic."""
    database.ping()
    return json_response(Readiness(checks={"database": "ok"}))


@items_api.get("", responses={200: ItemPage, **problem_responses(422, 503)})
def list_items(query: ItemListQuery) -> Response:
    """List items, oldest first, optionally only those whose name contains the text q."""
    page, total = items.list_items(database.session(), query)
    return json_response(
        ItemPage(
            items=[ItemRead.model_validate(item) for item in page],
            total=total,
            limit=query.limit,
            offset=query.offset,
        )
    )


@items_api.post("", responses={201: ItemRead, **problem_responses(400, 409, 413, 415, 422, 503)})
def create_item(body: ItemCreate) -> Response:
    """Create an item; its name must be unique."""
    item = items.create_item(database.session(), body)
    return json_response(ItemRead.model_validate(item), 201, {"Location": item_url(item.id)})


@items_api.get("/<item_id>", responses={200: ItemRead, **problem_responses(404, 422, 503)})
def read_item(path: ItemPath) -> Response:
    """Read one item."""
    return json_response(ItemRead.model_validate(items.get_item(database.session(), path.item_id)))


@items_api.patch("/<item_id>", responses={200: ItemRead, **problem_responses(400, 404, 409, 413, 415, 422, 503)})
def update_item(path: ItemPath, body: ItemUpdate) -> Response:
    """Change the fields present in the body; the others keep their values."""
    item = items.update_item(database.session(), path.item_id, body)
    return json_response(ItemRead.model_validate(item))


@items_api.delete("/<item_id>", responses={204: None, **problem_responses(404, 422, 503)})
def delete_item(path: ItemPath) -> Response:
    """Delete one item."""
    items.delete_item(database.session(), path.item_id)
    return Response(status=204)
