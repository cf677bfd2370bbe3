"""The jobs' part of the API contract: the export request and a job as the API returns it."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field

from ..core.fields import NFC, NO_NUL, omittable
from .models import Job, JobStatus


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
