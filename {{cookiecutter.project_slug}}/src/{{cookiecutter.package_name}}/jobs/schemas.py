"""The jobs' part of the API contract: a job as the API returns it, whatever its kind."""

from datetime import datetime
from typing import Self

from pydantic import BaseModel, Field

from .models import Job, JobStatus


class JobError(BaseModel):
    """Why a job failed, in the shape of a problem (RFC 9457)."""

    type: str = "about:blank"
    title: str
    detail: str


class JobRead(BaseModel):
    """A job as the API returns it."""

    id: int
    kind: str
    status: JobStatus
    progress: int = Field(ge=0, le=100, description="Percent done.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="When the result is deleted.")
    error: JobError | None

    @classmethod
    def of(cls, job: Job) -> Self:
        error = JobError(title=job.error_title, detail=job.error_detail or "") if job.error_title else None
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status,
            progress=job.progress,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            expires_at=job.expires_at,
            error=error,
        )
