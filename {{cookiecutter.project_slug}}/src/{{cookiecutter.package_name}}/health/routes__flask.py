"""Liveness and readiness."""

from flask import Response
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from ..core import database
from ..web.compat import json_response
from ..web.problems import problem_responses
from .schemas import Liveness, Readiness

blueprint = APIBlueprint("health", __name__, url_prefix="/health", abp_tags=[Tag(name="health")])


@blueprint.get("/live", responses={200: Liveness})
def live() -> Response:
    """The process is up and serving requests."""
    return json_response(Liveness())


@blueprint.get("/ready", responses={200: Readiness, **problem_responses(503)})
def ready() -> Response:
    """The database answers and its migrations are applied: the process is ready for traffic."""
    database.check_ready()
    return json_response(Readiness(checks={"database": "ok", "migrations": "ok"}))
