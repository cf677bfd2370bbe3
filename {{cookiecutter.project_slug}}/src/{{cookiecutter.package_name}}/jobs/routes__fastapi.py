"""The jobs routes: a job's status and its result, whatever its kind; and the broker, which the routes that queue
jobs take as ``CeleryDep``."""

from typing import Annotated

from celery import Celery
from fastapi import APIRouter, Depends, FastAPI, Path, Request, Response
from fastapi.concurrency import run_in_threadpool

from ..auth.guard import GUARDED_RESPONSES, CurrentPrincipal
from ..core.database import SessionDep
from ..core.fields import MAX_ROW_ID
from ..health.routes import add_readiness_check
from ..settings import Settings
from ..web.problems import problem_responses
from . import URL, service
from .broker import check_broker, create_celery
from .documents import result_response
from .schemas import JobRead

JobId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

router = APIRouter(tags=["jobs"], responses=GUARDED_RESPONSES)


def init_app(app: FastAPI, settings: Settings) -> None:
    """Give the application the broker it publishes jobs to, and check the broker when it is asked if it is ready."""
    celery = create_celery(settings)
    app.state.celery = celery

    async def broker_ready() -> None:
        await run_in_threadpool(check_broker, celery)

    add_readiness_check(app, "broker", broker_ready)


def get_celery(request: Request) -> Celery:
    celery: Celery = request.app.state.celery
    return celery


CeleryDep = Annotated[Celery, Depends(get_celery)]


@router.get(URL + "/{job_id}", responses=problem_responses(404, 422, 503))
async def read_job(job_id: JobId, principal: CurrentPrincipal, session: SessionDep) -> JobRead:
    """A job of yours: its status, its progress and, if it failed, why."""
    return JobRead.of(await service.get_job(session, principal, job_id))


@router.get(
    URL + "/{job_id}/result",
    response_class=Response,
    responses={**result_response(), **problem_responses(403, 404, 410, 422, 503)},
)
async def read_job_result(job_id: JobId, principal: CurrentPrincipal, session: SessionDep) -> Response:
    """The result of a job of yours that succeeded: 404 until it has, 410 once the result has expired, 403 if it was
    made with admin rights that you no longer have."""
    document, headers = await service.get_result(session, principal, job_id)
    return Response(document.content, media_type=document.media_type, headers=headers)


routers = [router]
