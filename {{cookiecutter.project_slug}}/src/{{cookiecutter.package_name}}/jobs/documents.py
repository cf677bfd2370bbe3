"""How a job's result is sent: whether it can be, and to whom, its media type, as the OpenAPI document declares it,
and its file name."""

from typing import Any

from ..core.models import utc_now
from ..core.principals import Principal, Role
from .errors import ResultExpiredError, ResultNotReadyError, ResultWithheldError
from .exports import MEDIA_TYPES
from .models import Job, JobStatus
from .queries import queued_role
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


def result_for(job: Job, principal: Principal) -> tuple[str, str]:
    """The result of a job that succeeded, and its media type; a problem for a job without one (yet, or any more), or
    one the principal may no longer see.

    A job runs with the role it was queued with, whenever it runs: an admin's export holds every item even if they
    were demoted before it ran. So its result goes only to a principal who is an admin now, by the role that
    authenticated this request (an account's, or the provider's token's), not to its owner alone.
    """
    if queued_role(job) is Role.ADMIN and not principal.is_admin:
        raise ResultWithheldError()
    if job.status != JobStatus.SUCCEEDED:
        raise ResultNotReadyError(job.id, job.status)
    if job.result is None or job.result_type is None or (job.expires_at and job.expires_at <= utc_now()):
        raise ResultExpiredError(job.id)
    return job.result, job.result_type
