"""The current principal as a FastAPI dependency: always the one principal of an open API."""

from typing import Annotated, Any

from fastapi import Depends

from ..core.principals import Principal
from . import EVERYONE
from .settings import AuthSettings

GUARDED_RESPONSES: dict[int | str, dict[str, Any]] = {}
"""An open API answers no request with 401."""


def security_schemes(settings: AuthSettings) -> dict[str, Any]:
    """An open API declares no security scheme."""
    return {}


async def current_principal() -> Principal:
    return EVERYONE


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
