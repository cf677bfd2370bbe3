"""The jobs on a request's session: queueing a job of some kind, and reading a job and its result."""

from typing import Any

from celery import Celery
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.principals import Principal
from .broker import publish
from .documents import result_for
from .errors import BrokerUnavailableError, JobNotFoundError
from .kinds import Document, JobKind
from .models import Job
from .queries import new_job, visible_job


async def enqueue(
    session: AsyncSession, celery: Celery, principal: Principal, kind: JobKind, parameters: dict[str, Any]
) -> Job:
    """Commit the principal's job of this kind, then queue it; a job the broker did not take is not kept."""
    job = new_job(principal, kind.name, parameters)
    session.add(job)
    await session.commit()
    try:
        await run_in_threadpool(publish, celery, job.id)
    except BrokerUnavailableError:
        await session.delete(job)
        await session.commit()
        raise
    return job


async def get_job(session: AsyncSession, principal: Principal, job_id: int) -> Job:
    job = (await session.scalars(visible_job(job_id, principal))).one_or_none()
    if job is None:
        raise JobNotFoundError(job_id)
    return job


async def get_result(session: AsyncSession, principal: Principal, job_id: int) -> tuple[Document, dict[str, str]]:
    """The result of a job that succeeded, and the headers that send it as a file."""
    return result_for(await get_job(session, principal, job_id), principal)
