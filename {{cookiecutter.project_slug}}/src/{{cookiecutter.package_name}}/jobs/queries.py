"""The statements and rules of the jobs, executed by the framework's own session type.

A worker claims a job before it runs it: the claim makes it the job's one runner, under a lease that lasts as long as
the job may run, and counts the attempt. Progress and the outcome are written only by the latest attempt, so a
worker that lost its lease (it was thought dead) cannot write over the work of the one that took over.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Result, Select, Update, and_, delete, func, or_, select, update

from ..core.models import PURGE_AFTER, Base, utc_now
from ..core.principals import Principal, Role
from ..settings import Settings
from .models import Job, JobStatus

LEASE_MARGIN = timedelta(seconds=5)
"""Beyond the hard time limit, after which the job's process has been killed for sure."""


@dataclass(frozen=True)
class Attempt:
    """A claimed job: what it is to do, for whom, and which attempt this is."""

    job_id: int
    number: int
    kind: str
    parameters: dict[str, Any]
    principal: Principal


def changed_one(result: Result[Any]) -> bool:
    """Whether a conditional update found its row: the session types the result of any statement as a plain
    ``Result``, though an UPDATE's is a ``CursorResult`` with a row count."""
    return cast(CursorResult[Any], result).rowcount == 1


def new_job(principal: Principal, kind: str, parameters: dict[str, Any]) -> Job:
    """The principal's new job, queued; the role is kept, so that the job sees what its principal saw (and its result
    goes only to those who may see as much: see ``documents.result_for``)."""
    return Job(
        owner=principal.subject,
        kind=kind,
        parameters={**parameters, "role": principal.role.value},
        status=JobStatus.QUEUED,
        created_at=utc_now(),
    )


def visible_job(job_id: int, principal: Principal) -> Select[Job]:
    """The job, if the principal may see it: another's job does not exist for them."""
    statement = select(Job).where(Job.id == job_id)
    return statement if principal.is_admin else statement.where(Job.owner == principal.subject)


def claim(job_id: int, settings: Settings, now: datetime) -> Update:
    """Make the caller the job's runner, if it is queued, or running under a lease that has ended."""
    claimable = or_(Job.status == JobStatus.QUEUED, and_(Job.status == JobStatus.RUNNING, Job.lease_until < now))
    return (
        update(Job)
        .where(Job.id == job_id, Job.deliveries < settings.job_max_deliveries, claimable)
        .values(
            status=JobStatus.RUNNING,
            deliveries=Job.deliveries + 1,
            lease_until=now + timedelta(seconds=settings.job_time_limit) + LEASE_MARGIN,
            started_at=func.coalesce(Job.started_at, now),
            progress=0,
        )
    )


def queued_role(job: Job) -> Role:
    """The role the job's principal had when they queued it: the rights it runs with."""
    return Role(job.parameters["role"])


def attempt_of(job: Job) -> Attempt:
    principal = Principal(subject=job.owner, role=queued_role(job))
    return Attempt(job.id, job.deliveries, job.kind, job.parameters, principal)


def by_attempt(attempt: Attempt) -> Update:
    """An update of the job that only the attempt that holds its lease may make."""
    return update(Job).where(
        Job.id == attempt.job_id, Job.deliveries == attempt.number, Job.status == JobStatus.RUNNING
    )


def progress(attempt: Attempt, percent: int) -> Update:
    return by_attempt(attempt).values(progress=percent)


def succeeded(attempt: Attempt, result: str, result_type: str, settings: Settings) -> Update:
    now = utc_now()
    return by_attempt(attempt).values(
        status=JobStatus.SUCCEEDED,
        progress=100,
        result=result,
        result_type=result_type,
        finished_at=now,
        expires_at=now + timedelta(hours=settings.job_result_hours),
        lease_until=None,
    )


def failed(job_id: int, title: str, detail: str) -> Update:
    """Fail the job, unless it has ended already."""
    return (
        update(Job)
        .where(Job.id == job_id, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        .values(
            status=JobStatus.FAILED,
            error_title=title,
            error_detail=detail[:1000],
            finished_at=utc_now(),
            lease_until=None,
        )
    )


def released(attempt: Attempt) -> Update:
    """Give the job back to the queue, for the retry of an attempt that met a transient failure."""
    return by_attempt(attempt).values(status=JobStatus.QUEUED, lease_until=None)


def stale_queued(settings: Settings) -> Select[int]:
    """Jobs queued for longer than a sweep period and never started, whose task may not have reached the broker."""
    cutoff = utc_now() - timedelta(seconds=settings.job_sweep_seconds)
    never_started = and_(Job.status == JobStatus.QUEUED, Job.started_at.is_(None))
    return select(Job.id).where(never_started, Job.created_at < cutoff).order_by(Job.id)


def expired_results() -> Update:
    """Delete the results whose time is over; their jobs stay, and answer 410 for them."""
    return update(Job).where(Job.expires_at < utc_now(), Job.result.is_not(None)).values(result=None)


def clean_ups() -> list[Update | Delete]:
    """What the sweep cleans: the expired results, and every row whose time is over in a column marked with
    ``PURGE_AFTER``."""
    now = utc_now()
    purges = [
        delete(table).where(column < now)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.info.get(PURGE_AFTER)
    ]
    return [expired_results(), *purges]
