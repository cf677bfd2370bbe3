"""Liveness and readiness."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request

from ..core import database
from ..web.problems import problem_responses
from .schemas import Liveness, Readiness

ReadinessCheck = Callable[[], Awaitable[None]]
"""Raises a service error, such as ``UnavailableError``, when a dependency is not ready."""

router = APIRouter(prefix="/health", tags=["health"])


def add_readiness_check(app: FastAPI, name: str, check: ReadinessCheck) -> None:
    """Make readiness depend on one more dependency, such as a feature's broker."""
    if not hasattr(app.state, "readiness_checks"):
        app.state.readiness_checks = {}
    app.state.readiness_checks[name] = check


@router.get("/live")
async def live() -> Liveness:
    """The process is up and serving requests."""
    return Liveness()


@router.get("/ready", responses=problem_responses(503))
async def ready(request: Request) -> Readiness:
    """The database answers, its migrations are applied and every other dependency answers: the process is ready
    for traffic."""
    await database.check_ready(request.app.state.engine)
    checks: dict[str, ReadinessCheck] = getattr(request.app.state, "readiness_checks", {})
    for check in checks.values():
        await check()
    return Readiness(checks=dict.fromkeys(["database", "migrations", *checks], "ok"))


routers = [router]
