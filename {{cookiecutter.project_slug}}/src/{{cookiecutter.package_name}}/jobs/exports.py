"""The items export: the items a job's principal may see, in JSON Lines or CSV, read in batches of rows."""

import csv
import io
from collections.abc import Iterable

from sqlalchemy import Select, func, select

from ..items.models import Item
from ..items.queries import matching
from ..items.schemas import ItemRead
from .queries import Attempt
from .schemas import ExportFormat

KIND = "items-export"
BATCH_SIZE = 500
MEDIA_TYPES = {ExportFormat.JSON_LINES: "application/jsonl", ExportFormat.CSV: "text/csv; charset=utf-8"}
COLUMNS = list(ItemRead.model_fields)


def export_format(attempt: Attempt) -> ExportFormat:
    return ExportFormat(attempt.parameters["format"])


def count(attempt: Attempt) -> Select[int]:
    matched = matching(attempt.principal, attempt.parameters.get("q")).subquery()
    return select(func.count()).select_from(matched)


def percent(done: int, total: int) -> int:
    """Progress short of 100, which only the finished job reports."""
    return min(99, done * 100 // total) if total else 99


def batch(attempt: Attempt, after_id: int) -> Select[Item]:
    """The next batch of the export's items, in the order of their ids."""
    statement = matching(attempt.principal, attempt.parameters.get("q"))
    return statement.where(Item.id > after_id).order_by(Item.id).limit(BATCH_SIZE)


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
