"""How a job's result is sent: whether it can be, and to whom, its media types, as the OpenAPI document declares them
from every kind of job, and its file name."""

from typing import Any

from ..core.models import utc_now
from ..core.principals import Principal, Role
from .errors import ResultExpiredError, ResultNotReadyError, ResultWithheldError
from .kinds import Document, job_kinds
from .models import Job, JobStatus
from .queries import queued_role

UNKNOWN_EXTENSION = "bin"
"""The extension of a file whose media type its kind does not declare."""


def result_response() -> dict[int | str, dict[str, Any]]:
    """The result's 200 response, in every media type that a kind of job declares."""
    media_types = dict.fromkeys(media_type for kind in job_kinds().values() for media_type in kind.extensions)
    return {
        200: {
            "description": "The job's result, in the media type its kind of job made it in.",
            "content": {media_type: {"schema": {"type": "string"}} for media_type in media_types},
        }
    }


def attachment(job: Job, document: Document) -> dict[str, str]:
    """The headers that make a browser save the result as a file named after the job."""
    kind = job_kinds().get(job.kind)
    extension = kind.extensions.get(document.media_type, UNKNOWN_EXTENSION) if kind else UNKNOWN_EXTENSION
    return {"Content-Disposition": f'attachment; filename="job-{job.id}.{extension}"'}


def result_for(job: Job, principal: Principal) -> tuple[Document, dict[str, str]]:
    """The result of a job that succeeded, and the headers that send it as a file; a problem for a job without one
    (yet, or any more), or one the principal may no longer see.

    A job runs with the role it was queued with, whenever it runs: a job queued by an admin sees what an admin sees even
    if they were demoted before it ran. So its result goes only to a principal who is an admin now, by the role that
    authenticated this request (an account's, or the provider's token's), not to its owner alone.
    """
    if queued_role(job) is Role.ADMIN and not principal.is_admin:
        raise ResultWithheldError()
    if job.status != JobStatus.SUCCEEDED:
        raise ResultNotReadyError(job.id, job.status)
    if job.result is None or job.result_type is None or (job.expires_at and job.expires_at <= utc_now()):
        raise ResultExpiredError(job.id)
    document = Document(job.result, job.result_type)
    return document, attachment(job, document)
