"""Conditional requests on FastAPI: the header of a conditional read, and the precondition of a change."""

from typing import Annotated

from fastapi import Depends, Header, Request

from ..settings import Settings
from .etags import IfMatch, IfNoneMatch, Precondition

HeldCopy = Annotated[IfNoneMatch, Header()]
"""A read's If-None-Match header: the entity tag of the copy the client holds."""


async def change_precondition(header: Annotated[IfMatch, Header()], request: Request) -> Precondition:
    """The change's If-Match header, which the settings may require."""
    settings: Settings = request.app.state.settings
    return header.precondition(required=settings.require_if_match)


ChangePrecondition = Annotated[Precondition, Depends(change_precondition)]
