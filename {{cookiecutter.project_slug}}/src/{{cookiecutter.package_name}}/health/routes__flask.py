"""Liveness and readiness."""

from collections.abc import Callable

from flask import Flask, Response, current_app
from flask_openapi.blueprint import APIBlueprint
from flask_openapi.models.tag import Tag

from ..core import database
from ..settings import Settings
from ..web.compat import json_response
from ..web.problems import problem_responses
from .schemas import Liveness, Readiness

ReadinessCheck = Callable[[], None]
"""Raises a service error, such as ``UnavailableError``, when a dependency is not ready."""
READINESS_CHECKS = "readiness_checks"

blueprint = APIBlueprint("health", __name__, url_prefix="/health", abp_tags=[Tag(name="health")])


def add_readiness_check(app: Flask, name: str, check: ReadinessCheck) -> None:
    """Make readiness depend on one more dependency, such as a feature's broker."""
    app.extensions.setdefault(READINESS_CHECKS, {})[name] = check


def init_app(app: Flask, settings: Settings) -> None:
    """Readiness starts with the database: it answers, and it has every table and column this version uses."""
    add_readiness_check(app, "database", database.check_ready)


@blueprint.get("/live", responses={200: Liveness})
def live() -> Response:
    """The process is up and serving requests."""
    return json_response(Liveness())


@blueprint.get("/ready", responses={200: Readiness, **problem_responses(503)})
def ready() -> Response:
    """The database answers and its migrations are applied, and every other dependency answers: the process is
    ready for traffic."""
    checks: dict[str, ReadinessCheck] = current_app.extensions[READINESS_CHECKS]
    for check in checks.values():
        check()
    return json_response(Readiness(checks=dict.fromkeys(checks, "ok")))


blueprints = [blueprint]
