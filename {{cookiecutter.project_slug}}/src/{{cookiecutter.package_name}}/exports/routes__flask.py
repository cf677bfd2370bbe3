"""The export's route: an export of your items, accepted as a job for a worker to run."""

from flask import Response
from flask_openapi.models.tag import Tag
from sqlalchemy.orm import Session

from ..auth.guard import current_principal, guarded_blueprint
from ..core import database
from ..jobs import job_url, service
from ..jobs.routes import current_celery
from ..jobs.schemas import JobRead
from ..web.answers import answer_once
from ..web.compat import response_parts
from ..web.headers import LOCATED
from ..web.idempotency import Answer, IdempotencyKeyHeader
from ..web.idempotent import claim
from ..web.idempotent import response as answered
from ..web.problems import problem_responses
from . import URL
from .jobs import KIND
from .schemas import ExportRequest

blueprint = guarded_blueprint("exports", __name__, url_prefix=URL, abp_tags=[Tag(name="jobs")])


@blueprint.post(
    "",
    responses={202: JobRead, **problem_responses(400, 409, 413, 415, 422, 503)},
    openapi_extensions=response_parts({202: LOCATED}),
)
def export_items(body: ExportRequest, header: IdempotencyKeyHeader) -> Response:
    """Export your items (an admin: every item) in the background; follow the Location header to the job. Retried
    with the Idempotency-Key of a request that was accepted, the same job."""
    principal, session = current_principal(), database.session()
    added: list[int] = []

    def add(work_session: Session) -> Answer:
        job = service.add_job(work_session, principal, KIND, body.model_dump(mode="json"))
        added.append(job.id)
        return Answer.of(202, JobRead.of(job), {"Location": job_url(job.id)})

    def queue() -> None:
        service.queue(session, current_celery(), added[0])

    return answered(answer_once(session, claim(header, principal, body), add, queue))


blueprints = [blueprint]
