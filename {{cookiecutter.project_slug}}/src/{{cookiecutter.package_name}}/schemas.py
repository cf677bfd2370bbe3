"""The API contract: request and response models shared by every framework."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

MAX_ITEM_ID = 2**31 - 1
"""The largest id the items table's INTEGER key can hold on every supported database."""
MAX_PAGE_SIZE = 100
MAX_OFFSET = 1_000_000_000

NO_NUL = r"^[^\x00]*$"
"""PostgreSQL text cannot hold the NUL character, so no string input may contain it."""

ItemName = Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL, examples=["Widget"])]
ItemDescription = Annotated[str, Field(max_length=1000, pattern=NO_NUL, examples=["A small widget."])]


def _not_a_boolean(value: object) -> object:
    """JSON true and false are not integers, though Pydantic's lax mode would take them as 1 and 0."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


ItemQuantity = Annotated[int, Field(ge=0, le=1_000_000, examples=[3]), BeforeValidator(_not_a_boolean)]


def _document_without_null(schema: dict[str, Any]) -> None:
    """Document an optional field by its type alone: it may be left out, but null is not one of its values."""
    schema.pop("default", None)
    for variant in schema.pop("anyOf", []):
        if variant.get("type") != "null":
            schema.update(variant)


def omittable(**constraints: Any) -> Any:
    """A field that may be left out of a request, and is then None, but may not be sent as null."""
    return Field(default=None, json_schema_extra=_document_without_null, **constraints)


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

    @field_validator("name", "quantity")
    @classmethod
    def reject_null(cls, value: object) -> object:
        """These fields may be left out, but not set to null."""
        if value is None:
            raise ValueError("may be left out, but not set to null")
        return value


class ItemRead(BaseModel):
    """An item as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    quantity: int
    created_at: datetime
    updated_at: datetime


class ItemPage(BaseModel):
    """One page of items and the total number that match the query."""

    items: list[ItemRead]
    total: int
    limit: int
    offset: int


class ItemListQuery(BaseModel):
    """Paging and filtering of the item list."""

    limit: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    q: str | None = omittable(max_length=100, pattern=NO_NUL, description="Only items whose name contains this text.")


class Liveness(BaseModel):
    """The process is up."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """The process and each dependency it needs are up."""

    status: Literal["ok"] = "ok"
    checks: dict[str, Literal["ok"]]
