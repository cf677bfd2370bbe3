"""The export's formats: items as JSON Lines or as CSV, rendered a batch at a time."""

import csv
import io
from collections.abc import Iterable

from ..items.models import Item
from ..items.schemas import ItemRead
from .schemas import ExportFormat

MEDIA_TYPES = {ExportFormat.JSON_LINES: "application/jsonl", ExportFormat.CSV: "text/csv; charset=utf-8"}
COLUMNS = [name for name, field in ItemRead.model_fields.items() if not field.exclude]
"""The fields of an item in the API's bodies."""


def header(export: ExportFormat) -> str:
    if export is ExportFormat.CSV:
        return rows_as_csv([COLUMNS])
    return ""


def render(items: Iterable[Item], export: ExportFormat) -> str:
    records = [ItemRead.model_validate(item) for item in items]
    if export is ExportFormat.CSV:
        return rows_as_csv(
            [[neutralized(value) for value in record.model_dump(mode="json").values()] for record in records]
        )
    return "".join(record.model_dump_json() + "\n" for record in records)


def rows_as_csv(rows: Iterable[Iterable[object]]) -> str:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue()


def neutralized(value: object) -> object:
    """Text that a spreadsheet would run as a formula starts with an apostrophe (OWASP's advice on CSV injection)."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return f"'{value}"
    return value
