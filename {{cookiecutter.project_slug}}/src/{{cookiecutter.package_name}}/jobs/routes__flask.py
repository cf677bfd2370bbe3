"""The jobs routes: a job's status and its result, whatever its kind; and the broker, which the routes that queue
jobs take from ``current_celery()``."""

from celery import Celery
from flask import Flask, Response, current_app
from flask_openapi.models.tag import Tag
from pydantic import BaseModel, Field

from ..auth.guard import current_principal, guarded_blueprint
from ..core import database
from ..core.fields import MAX_ROW_ID
from ..health.routes import add_readiness_check
from ..settings import Settings
from ..web.compat import json_response
from ..web.problems import problem_responses
from . import URL, service
from .broker import check_broker, create_celery
from .documents import result_response
from .schemas import JobRead

EXTENSION = "jobs"


class JobPath(BaseModel):
    job_id: int = Field(ge=1, le=MAX_ROW_ID)


blueprint = guarded_blueprint("jobs", __name__, abp_tags=[Tag(name="jobs")])


def init_app(app: Flask, settings: Settings) -> None:
    """Give the application the broker it publishes jobs to, and check the broker when it is asked if it is ready."""
    celery = create_celery(settings)
    app.extensions[EXTENSION] = celery
    add_readiness_check(app, "broker", lambda: check_broker(celery))


def current_celery() -> Celery:
    celery: Celery = current_app.extensions[EXTENSION]
    return celery


@blueprint.get(f"{URL}/<job_id>", responses={200: JobRead, **problem_responses(404, 422, 503)})
def read_job(path: JobPath) -> Response:
    """A job of yours: its status, its progress and, if it failed, why."""
    return json_response(JobRead.of(service.get_job(database.session(), current_principal(), path.job_id)))


@blueprint.get(f"{URL}/<job_id>/result", responses={**result_response(), **problem_responses(403, 404, 410, 422, 503)})
def read_job_result(path: JobPath) -> Response:
    """The result of a job of yours that succeeded: 404 until it has, 410 once the result has expired, 403 if it was
    made with admin rights that you no longer have."""
    document, headers = service.get_result(database.session(), current_principal(), path.job_id)
    return Response(document.content, content_type=document.media_type, headers=headers)


blueprints = [blueprint]
