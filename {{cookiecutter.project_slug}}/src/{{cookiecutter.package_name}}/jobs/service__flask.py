"""The jobs on a request's session: accepting an export, and reading a job and its result."""

from celery import Celery
from sqlalchemy.orm import Session

from ..core.principals import Principal
from .broker import publish
from .documents import result_for
from .errors import BrokerUnavailableError, JobNotFoundError
from .exports import KIND
from .models import Job
from .queries import new_job, visible_job
from .schemas import ExportRequest


def create_export(session: Session, celery: Celery, principal: Principal, request: ExportRequest) -> Job:
    """Commit the job, then queue it; a job the broker did not take is not kept."""
    job = new_job(principal, KIND, request.model_dump(mode="json"))
    session.add(job)
    session.commit()
    try:
        publish(celery, job.id)
    except BrokerUnavailableError:
        session.delete(job)
        session.commit()
        raise
    return job


def get_job(session: Session, principal: Principal, job_id: int) -> Job:
    job = session.scalars(visible_job(job_id, principal)).one_or_none()
    if job is None:
        raise JobNotFoundError(job_id)
    return job


def get_result(session: Session, principal: Principal, job_id: int) -> tuple[str, str]:
    """The result of a job that succeeded, and its media type."""
    return result_for(get_job(session, principal, job_id), principal)
