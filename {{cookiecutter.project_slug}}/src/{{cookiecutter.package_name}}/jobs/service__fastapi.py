"""The jobs on a request's session: accepting an export, and reading a job and its result."""

from celery import Celery
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.principals import Principal
from .broker import publish
from .documents import result_for
from .errors import BrokerUnavailableError, JobNotFoundError
from .exports import KIND
from .models import Job
from .queries import new_job, visible_job
from .schemas import ExportRequest


async def create_export(session: AsyncSession, celery: Celery, principal: Principal, request: ExportRequest) -> Job:
    """Commit the job, then queue it; a job the broker did not take is not kept."""
    job = new_job(principal, KIND, request.model_dump(mode="json"))
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


async def get_result(session: AsyncSession, principal: Principal, job_id: int) -> tuple[str, str]:
    """The result of a job that succeeded, and its media type."""
    return result_for(await get_job(session, principal, job_id), principal)
