"""The current principal as a FastAPI dependency: always the one principal of an open API."""

from typing import Annotated, Any

from fastapi import Depends, Request

from ..core.principals import Principal
from . import EVERYONE

GUARDED_RESPONSES: dict[int | str, dict[str, Any]] = {}
"""An open API answers no request with 401."""


async def token_subject(request: Request) -> str | None:
    """An open API knows no caller by a token: the rate limits count each by its address."""
    return None


async def current_principal() -> Principal:
    return EVERYONE


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
