"""The jobs table: the state of every job, its parameters and, once it has succeeded, its result."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.models import OWNER, Base, UTCDateTime, utc_now
from ..core.principals import SUBJECT_MAX_LENGTH


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(Base):
    """A job and its progress. A worker runs it while it holds the lease, and only the holder of the latest lease
    (counted by ``deliveries``) may finish it."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(SUBJECT_MAX_LENGTH), index=True, info={OWNER: True})
    kind: Mapped[str] = mapped_column(String(50))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[JobStatus] = mapped_column(String(20), default=JobStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    """Percent done."""
    deliveries: Mapped[int] = mapped_column(default=0)
    """How often a worker has started the job."""
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error_title: Mapped[str | None] = mapped_column(String(100))
    error_detail: Mapped[str | None] = mapped_column(String(1000))
    result: Mapped[str | None] = mapped_column(Text)
    result_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the result is deleted."""
