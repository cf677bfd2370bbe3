"""Field types and rules that every feature's request models share.

A validator comes after the constraints in ``Annotated``, so that the constraints stay JSON Schema keywords:
``Annotated[str, Field(max_length=100, pattern=NO_NUL), NFC]``.
"""

import unicodedata
from typing import Any

from pydantic import BaseModel, BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

MAX_ROW_ID = 2**31 - 1
"""The largest id an INTEGER key can hold on every supported database."""
MAX_PAGE_SIZE = 100
MAX_OFFSET = 1_000_000_000
NO_NUL = r"^[^\x00]*$"
"""PostgreSQL text cannot hold the NUL character, so no string input may contain it."""
NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"
"""Some character other than white space, and no NUL."""


def nfc(value: object) -> object:
    """Text in its composed form, so that "café" typed two ways is one value when stored and compared."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def not_a_boolean(value: object) -> object:
    """JSON true and false are not integers, though Pydantic's lax mode would take them as 1 and 0."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


NFC = BeforeValidator(nfc)
NOT_A_BOOLEAN = BeforeValidator(not_a_boolean)


def _document_without_null(schema: dict[str, Any]) -> None:
    """Document an optional field by its type alone: it may be left out, but null is not one of its values."""
    schema.pop("default", None)
    for variant in schema.pop("anyOf", []):
        if variant.get("type") != "null":
            schema.update(variant)


def omittable(**constraints: Any) -> Any:
    """A field that may be left out of a request, and is then None, but may not be sent as null."""
    return Field(default=None, json_schema_extra=_document_without_null, **constraints)


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("may be left out, but not set to null")
    return value


def reject_null(*fields: str) -> Any:
    """A validator for fields of a partial update that may be left out, but not set to null:
    ``_not_null = reject_null("name", "quantity")`` in the model's body."""
    return field_validator(*fields)(_not_null)


class PageQuery(BaseModel):
    """Paging of a list: at most ``limit`` entries, after skipping ``offset``."""

    limit: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
