"""Why a worker does not run a job it was given, and what happens to the job then."""

from datetime import datetime

from ..settings import Settings
from .models import Job, JobStatus


class LeaseHeldError(Exception):
    """Another worker runs the job: its task is to be tried again when that worker's lease ends."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"another worker holds the job for {seconds:.0f} s more")
        self.seconds = seconds


class TimedOutError(Exception):
    """The job ran past its soft time limit, which its progress checks between two batches."""


class LeaseLostError(Exception):
    """Another worker took the job over (this one was thought lost): its attempt is the one whose result counts."""


def refusal(job: Job | None, settings: Settings, now: datetime) -> LeaseHeldError | tuple[str, str] | None:
    """Why a job could not be claimed: leased to another worker, started too often (the reason to fail it with), or
    ended or deleted already (nothing to do)."""
    if job is None or job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return None
    if job.deliveries >= settings.job_max_deliveries:
        return ("Too many attempts", f"The job was started {job.deliveries} times without finishing.")
    if job.lease_until is not None and job.lease_until >= now:
        return LeaseHeldError((job.lease_until - now).total_seconds())
    return None
