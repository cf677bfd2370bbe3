"""The export's part of the API contract: what an export may be asked for."""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ..core.fields import NFC, NO_NUL, omittable


class ExportFormat(StrEnum):
    JSON_LINES = "jsonl"
    CSV = "csv"


class ExportRequest(BaseModel):
    """An export of your items (an admin: every item), optionally only those whose name contains the text q."""

    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, Field(max_length=100, pattern=NO_NUL), NFC] | None = omittable(
        description="Only items whose name contains this text."
    )
    format: ExportFormat = Field(default=ExportFormat.JSON_LINES, description="JSON Lines or CSV.")
