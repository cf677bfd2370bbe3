"""The items' part of the API contract: its request and response models."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ..core.fields import NFC, NO_NUL, NOT_A_BOOLEAN, NOT_BLANK, PageQuery, omittable, reject_null

ItemName = Annotated[str, Field(min_length=1, max_length=100, pattern=NOT_BLANK, examples=["Widget"]), NFC]
ItemDescription = Annotated[str, Field(max_length=1000, pattern=NO_NUL, examples=["A small widget."]), NFC]
ItemQuantity = Annotated[int, Field(ge=0, le=1_000_000, examples=[3]), NOT_A_BOOLEAN]


class ItemCreate(BaseModel):
    """A new item."""

    model_config = ConfigDict(extra="forbid")

    name: ItemName
    description: ItemDescription | None = None
    quantity: ItemQuantity = 0


class ItemUpdate(BaseModel):
    """A partial update: only the fields present in the request change."""

    model_config = ConfigDict(extra="forbid")

    name: ItemName | None = omittable()
    description: ItemDescription | None = None
    quantity: ItemQuantity | None = omittable()

    _not_null = reject_null("name", "quantity")


class ItemRead(BaseModel):
    """An item as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    quantity: int
    created_at: datetime
    updated_at: datetime
    version: str = Field(default="", exclude=True)
    """What the item's entity tag is made of: sent as the ETag header, never in the body (and so empty in an item
    read back from a body, as debug mode's check of each response does)."""


class ItemPage(BaseModel):
    """One page of items and the total number that match the query."""

    items: list[ItemRead]
    total: int
    limit: int
    offset: int


class ItemListQuery(PageQuery):
    """Paging and filtering of the item list."""

    q: Annotated[str, Field(max_length=100, pattern=NO_NUL), NFC] | None = omittable(
        description="Only items whose name contains this text."
    )
