"""Who opens the pages: a member whom the provider signed in, through the pages' own session (see
``provider.sessions``); anyone else is sent to sign in."""

from typing import Annotated

from fastapi import Depends, Request

from ..core.database import SessionDep
from ..core.principals import Principal
from .provider.sessions import PageSession, valid_session
from .signing_in import SignInRequiredError, live_session, sign_in_required

__all__ = ["CurrentMember", "CurrentPrincipal", "SignInRequiredError", "current_principal"]


async def current_member(request: Request, session: SessionDep) -> PageSession:
    """The signed-in member's page session; a visitor who is not signed in is sent to the sign-in page."""
    found = await live_session(request, session, valid_session)
    if found is None:
        raise sign_in_required(request)
    member: PageSession = found[0]
    return member


CurrentMember = Annotated[PageSession, Depends(current_member)]


async def current_principal(member: CurrentMember) -> Principal:
    return member.principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
