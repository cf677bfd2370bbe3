"""Liveness and readiness."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request

from ..core import database
from ..settings import Settings
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


def init_app(app: FastAPI, settings: Settings) -> None:
    """Readiness starts with the database: it answers, and it has every table and column this version uses."""

    async def database_ready() -> None:
        await database.check_ready(app.state.engine)

    add_readiness_check(app, "database", database_ready)


@router.get("/live")
async def live() -> Liveness:
    """The process is up and serving requests."""
    return Liveness()


@router.get("/ready", responses=problem_responses(503))
async def ready(request: Request) -> Readiness:
    """The database answers and its migrations are applied, and every other dependency answers: the process is
    ready for traffic."""
    checks: dict[str, ReadinessCheck] = request.app.state.readiness_checks
    for check in checks.values():
        await check()
    return Readiness(checks=dict.fromkeys(checks, "ok"))


routers = [router]
