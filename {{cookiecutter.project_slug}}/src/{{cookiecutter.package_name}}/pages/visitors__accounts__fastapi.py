"""Who opens the pages: a member signed in with their account, through the pages' own session (see
``accounts.sessions``); anyone else is sent to sign in."""

from typing import Annotated

from fastapi import Depends, Request

from ..auth.models import User
from ..core.database import SessionDep
from ..core.principals import Principal
from .accounts.sessions import principal, valid_session
from .signing_in import SignInRequiredError, live_session, sign_in_required

__all__ = ["CurrentPrincipal", "CurrentUser", "SignInRequiredError", "current_principal"]


async def signed_in_user(request: Request, session: SessionDep) -> User | None:
    """The account of the browser's page session, while the session is valid."""
    found = await live_session(request, session, valid_session)
    user: User | None = None if found is None else found[1]
    return user


SignedInUser = Annotated[User | None, Depends(signed_in_user)]


async def current_user(request: Request, user: SignedInUser) -> User:
    """The signed-in member's account; a visitor who is not signed in is sent to the sign-in page."""
    if user is None:
        raise sign_in_required(request)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def current_principal(user: CurrentUser) -> Principal:
    return principal(user)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
