"""The export's route: an export of your items, accepted as a job for a worker to run."""

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from ..auth.guard import GUARDED_RESPONSES, CurrentPrincipal
from ..core.database import SessionDep
from ..jobs import job_url, service
from ..jobs.routes import CeleryDep
from ..jobs.schemas import JobRead
from ..web.answers import answer_once
from ..web.headers import LOCATED
from ..web.idempotency import Answer
from ..web.idempotent import IdempotencyKey, claim
from ..web.idempotent import response as answered
from ..web.problems import problem_responses
from . import URL
from .jobs import KIND
from .schemas import ExportRequest

router = APIRouter(prefix=URL, tags=["jobs"], responses=GUARDED_RESPONSES)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobRead,
    responses={202: LOCATED, **problem_responses(400, 409, 413, 415, 422, 503)},
)
async def export_items(
    data: ExportRequest,
    key: IdempotencyKey,
    principal: CurrentPrincipal,
    session: SessionDep,
    celery: CeleryDep,
    request: Request,
) -> Response:
    """Export your items (an admin: every item) in the background; follow the Location header to the job. Retried
    with the Idempotency-Key of a request that was accepted, the same job."""
    added: list[int] = []

    async def add(work_session: AsyncSession) -> Answer:
        job = await service.add_job(work_session, principal, KIND, data.model_dump(mode="json"))
        added.append(job.id)
        return Answer.of(status.HTTP_202_ACCEPTED, JobRead.of(job), {"Location": job_url(job.id)})

    async def queue() -> None:
        await service.queue(session, celery, added[0])

    return answered(await answer_once(session, claim(key, principal, request, data), add, queue))


routers = [router]
