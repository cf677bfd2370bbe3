"""Who opens the pages: a member signed in through the pages' own session; anyone else is sent to sign in.

The browser's cookie holds the id of a page session (see ``provider.sessions``); an API client's bearer token does
not open a page, and a page's cookie does not call the API.
"""

from typing import Annotated

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from ..core.database import SessionDep
from ..core.models import utc_now
from ..core.principals import Principal
from ..settings import Settings
from .provider.sessions import PageSession, valid_session
from .security import browser_cookie
from .sessions import sign_in_url, touch


class SignInRequiredError(HTTPException):
    """No valid page session: the visitor is sent to sign in, and back to this page after (``provider.routes``
    answers it with a redirect)."""

    def __init__(self, next_url: str) -> None:
        self.location = sign_in_url(next_url)
        super().__init__(303, headers={"Location": self.location})


async def signed_in_member(request: Request, session: SessionDep) -> PageSession | None:
    """The browser's page session, while it is valid; its use is recorded."""
    settings: Settings = request.app.state.settings
    token = request.cookies.get(browser_cookie(settings.page_cookies_secure(request.url.scheme)))
    if not token:
        return None
    now = utc_now()
    found = (await session.execute(valid_session(token, settings, now))).scalar()
    if found is None:
        return None
    if (statement := touch(found, now)) is not None:
        await session.execute(statement)
        await session.commit()
    return found


SignedInMember = Annotated[PageSession | None, Depends(signed_in_member)]


async def current_member(request: Request, member: SignedInMember) -> PageSession:
    """The signed-in member's session; a visitor who is not signed in is sent to the sign-in page."""
    if member is None:
        page = request.url.path + (f"?{request.url.query}" if request.url.query and request.method == "GET" else "")
        raise SignInRequiredError(page)
    return member


CurrentMember = Annotated[PageSession, Depends(current_member)]


async def current_principal(member: CurrentMember) -> Principal:
    return member.principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
