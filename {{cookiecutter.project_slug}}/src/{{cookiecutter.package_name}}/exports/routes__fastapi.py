"""The export's route: an export of your items, accepted as a job for a worker to run."""

from fastapi import APIRouter, Response, status

from ..auth.guard import GUARDED_RESPONSES, CurrentPrincipal
from ..core.database import SessionDep
from ..jobs import job_url, service
from ..jobs.routes import CeleryDep
from ..jobs.schemas import JobRead
from ..web.headers import LOCATED
from ..web.problems import problem_responses
from . import URL
from .jobs import KIND
from .schemas import ExportRequest

router = APIRouter(prefix=URL, tags=["jobs"], responses=GUARDED_RESPONSES)


@router.post(
    "", status_code=status.HTTP_202_ACCEPTED, responses={202: LOCATED, **problem_responses(400, 413, 415, 422, 503)}
)
async def export_items(
    data: ExportRequest, principal: CurrentPrincipal, session: SessionDep, celery: CeleryDep, response: Response
) -> JobRead:
    """Export your items (an admin: every item) in the background; follow the Location header to the job."""
    job = await service.enqueue(session, celery, principal, KIND, data.model_dump(mode="json"))
    response.headers["Location"] = job_url(job.id)
    return JobRead.of(job)


routers = [router]
