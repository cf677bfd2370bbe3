"""How a job's result is sent: its media type, as the OpenAPI document declares it, and its file name."""

from typing import Any

from .exports import MEDIA_TYPES
from .schemas import ExportFormat

RESULT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The job's result: the export, in the format it was asked for.",
        "content": {media_type: {"schema": {"type": "string"}} for media_type in MEDIA_TYPES.values()},
    }
}


def attachment(job_id: int, media_type: str) -> dict[str, str]:
    """The headers that make a browser save the result as a file named after the job."""
    extension = next(
        (export.value for export, known in MEDIA_TYPES.items() if known == media_type), ExportFormat.JSON_LINES.value
    )
    return {"Content-Disposition": f'attachment; filename="job-{job_id}.{extension}"'}
