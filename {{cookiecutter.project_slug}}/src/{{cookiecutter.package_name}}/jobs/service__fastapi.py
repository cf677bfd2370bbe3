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


async def add_job(session: AsyncSession, principal: Principal, kind: JobKind, parameters: dict[str, Any]) -> Job:
    """Commit the principal's job of this kind, for ``queue`` to hand to the broker once it is committed."""
    job = new_job(principal, kind.name, parameters)
    session.add(job)
    await session.commit()
    return job


async def queue(session: AsyncSession, celery: Celery, job_id: int) -> None:
    """Hand a committed job to the broker; a job the broker did not take is deleted."""
    try:
        await run_in_threadpool(publish, celery, job_id)
    except BrokerUnavailableError:
        job = await session.get(Job, job_id)
        if job is not None:
            await session.delete(job)
            await session.commit()
        raise


async def get_job(session: AsyncSession, principal: Principal, job_id: int) -> Job:
    job = (await session.scalars(visible_job(job_id, principal))).one_or_none()
    if job is None:
        raise JobNotFoundError(job_id)
    return job


async def get_result(session: AsyncSession, principal: Principal, job_id: int) -> tuple[Document, dict[str, str]]:
    """The result of a job that succeeded, and the headers that send it as a file."""
    return result_for(await get_job(session, principal, job_id), principal)
