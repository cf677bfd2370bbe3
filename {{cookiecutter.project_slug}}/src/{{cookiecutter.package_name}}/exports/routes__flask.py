"""The export's route: an export of your items, accepted as a job for a worker to run."""

from flask import Response
from flask_openapi.models.tag import Tag

from ..auth.guard import current_principal, guarded_blueprint
from ..core import database
from ..jobs import job_url, service
from ..jobs.routes import current_celery
from ..jobs.schemas import JobRead
from ..web.compat import json_response, response_parts
from ..web.headers import LOCATED
from ..web.problems import problem_responses
from . import URL
from .jobs import KIND
from .schemas import ExportRequest

blueprint = guarded_blueprint("exports", __name__, url_prefix=URL, abp_tags=[Tag(name="jobs")])


@blueprint.post(
    "",
    responses={202: JobRead, **problem_responses(400, 413, 415, 422, 503)},
    openapi_extensions=response_parts({202: LOCATED}),
)
def export_items(body: ExportRequest) -> Response:
    """Export your items (an admin: every item) in the background; follow the Location header to the job."""
    principal, parameters = current_principal(), body.model_dump(mode="json")
    job = service.enqueue(database.session(), current_celery(), principal, KIND, parameters)
    return json_response(JobRead.of(job), 202, {"Location": job_url(job.id)})


blueprints = [blueprint]
