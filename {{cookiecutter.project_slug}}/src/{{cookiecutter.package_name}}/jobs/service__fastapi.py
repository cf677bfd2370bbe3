"""The jobs on a request's session: accepting an export, and reading a job and its result.

The broker's client blocks, so it is called from a thread, never on the event loop.
"""

from celery import Celery
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.models import utc_now
from ..core.principals import Principal
from .broker import publish
from .errors import BrokerUnavailableError, JobNotFoundError, ResultExpiredError, ResultNotReadyError
from .exports import KIND
from .models import Job, JobStatus
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
    job = await get_job(session, principal, job_id)
    if job.status != JobStatus.SUCCEEDED:
        raise ResultNotReadyError(job_id, job.status)
    if job.result is None or job.result_type is None or (job.expires_at and job.expires_at <= utc_now()):
        raise ResultExpiredError(job_id)
    return job.result, job.result_type
