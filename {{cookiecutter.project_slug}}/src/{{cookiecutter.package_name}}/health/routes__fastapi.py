"""Liveness and readiness."""

from fastapi import APIRouter, Request

from ..core import database
from ..web.problems import problem_responses
from .schemas import Liveness, Readiness

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
async def live() -> Liveness:
    """The process is up and serving requests."""
    return Liveness()


@router.get("/ready", responses=problem_responses(503))
async def ready(request: Request) -> Readiness:
    """The database answers and its migrations are applied: the process is ready for traffic."""
    await database.check_ready(request.app.state.engine)
    return Readiness(checks={"database": "ok", "migrations": "ok"})
