"""The pages' own sign-in, whoever signs the member in: the browser's page session, and the visitor who has none sent
to sign in.

The browser's cookie holds the id of a page session (see ``sessions``); an API client's bearer token does not open a
page, and a page's cookie does not call the API.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import Row, Select
from starlette.exceptions import HTTPException

from ..core.database import SessionDep
from ..core.models import utc_now
from ..settings import Settings
from .security import browser_cookie
from .sessions import PageSessionSettings, sign_in_url, touch

SessionRows = Row[*tuple[Any, ...]]
"""A page session's rows: the session first, then whom it is for, if another row."""
ValidSession = Callable[[str, PageSessionSettings, datetime], Select[*tuple[Any, ...]]]
"""The query of a cookie's page session while it is valid: its rows."""


class SignInRequiredError(HTTPException):
    """No valid page session: the visitor is sent to sign in, and back to this page after (the sign-in's routes
    answer it with a redirect)."""

    def __init__(self, next_url: str) -> None:
        self.location = sign_in_url(next_url)
        super().__init__(303, headers={"Location": self.location})


async def live_session(request: Request, session: SessionDep, valid_session: ValidSession) -> SessionRows | None:
    """The rows of the browser's page session, while it is valid; its use is recorded."""
    settings: Settings = request.app.state.settings
    token = request.cookies.get(browser_cookie(settings.page_cookies_secure(request.url.scheme)))
    if not token:
        return None
    now = utc_now()
    found = (await session.execute(valid_session(token, settings, now))).first()
    if found is None:
        return None
    if (statement := touch(found[0], now)) is not None:
        await session.execute(statement)
        await session.commit()
    return found


def sign_in_required(request: Request) -> SignInRequiredError:
    """What sends a visitor who is not signed in to the sign-in page, and back to this page after."""
    page = request.url.path + (f"?{request.url.query}" if request.url.query and request.method == "GET" else "")
    return SignInRequiredError(page)
