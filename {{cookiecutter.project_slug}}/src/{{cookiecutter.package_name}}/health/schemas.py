"""The health checks' answers."""

from typing import Literal

from pydantic import BaseModel


class Liveness(BaseModel):
    """The process is up."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """The process and each dependency it needs are up."""

    status: Literal["ok"] = "ok"
    checks: dict[str, Literal["ok"]]
