"""Who opens the pages: a member signed in through the pages' own session; anyone else is sent to sign in.

The browser's cookie holds the id of a page session (see ``accounts.sessions``); an API client's bearer token does
not open a page, and a page's cookie does not call the API.
"""

from typing import Annotated

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from ..auth.models import User
from ..core.database import SessionDep
from ..core.models import utc_now
from ..core.principals import Principal
from ..settings import Settings
from .accounts import sign_in_url
from .accounts.sessions import principal, valid_session
from .security import browser_cookie
from .sessions import touch


class SignInRequiredError(HTTPException):
    """No valid page session: the visitor is sent to sign in, and back to this page after (``accounts.routes``
    answers it with a redirect)."""

    def __init__(self, next_url: str) -> None:
        self.location = sign_in_url(next_url)
        super().__init__(303, headers={"Location": self.location})


async def signed_in_user(request: Request, session: SessionDep) -> User | None:
    """The account of the browser's page session, while the session is valid; its use is recorded."""
    settings: Settings = request.app.state.settings
    token = request.cookies.get(browser_cookie(settings.page_cookies_secure(request.url.scheme)))
    if not token:
        return None
    now = utc_now()
    found = (await session.execute(valid_session(token, settings, now))).first()
    if found is None:
        return None
    page_session, user = found
    if (statement := touch(page_session, now)) is not None:
        await session.execute(statement)
        await session.commit()
    return user


SignedInUser = Annotated[User | None, Depends(signed_in_user)]


async def current_user(request: Request, user: SignedInUser) -> User:
    """The signed-in member's account; a visitor who is not signed in is sent to the sign-in page."""
    if user is None:
        page = request.url.path + (f"?{request.url.query}" if request.url.query and request.method == "GET" else "")
        raise SignInRequiredError(page)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def current_principal(user: CurrentUser) -> Principal:
    return principal(user)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
