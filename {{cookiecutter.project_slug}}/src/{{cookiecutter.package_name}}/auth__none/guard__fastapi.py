"""The current principal as a FastAPI dependency: always the one principal of an open API."""

from typing import Annotated, Any

from fastapi import Depends

from ..core.principals import Principal
from . import EVERYONE

GUARDED_RESPONSES: dict[int | str, dict[str, Any]] = {}
"""An open API answers no request with 401."""


async def current_principal() -> Principal:
    return EVERYONE


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
