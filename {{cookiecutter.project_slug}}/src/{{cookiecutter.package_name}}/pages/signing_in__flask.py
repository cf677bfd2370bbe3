"""The pages' own sign-in, whoever signs the member in: the browser's page session, and blueprints whose pages send a
visitor who has none to sign in.

The browser's cookie holds the id of a page session (see ``sessions``); an API client's bearer token does not open a
page, and a page's cookie does not call the API.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Response, current_app, g, request
from flask_openapi.blueprint import APIBlueprint
from sqlalchemy import Row, Select

from ..core import database
from ..core.models import utc_now
from ..core.principals import Principal
from ..settings import Settings
from .security import browser_cookie
from .sessions import PageSessionSettings, sign_in_url, touch

SessionRows = Row[*tuple[Any, ...]]
"""A page session's rows: the session first, then whom it is for, if another row."""
ValidSession = Callable[[str, PageSessionSettings, datetime], Select[*tuple[Any, ...]]]
"""The query of a cookie's page session while it is valid: its rows."""


def live_session(valid_session: ValidSession) -> SessionRows | None:
    """The rows of the browser's page session, while it is valid; its use is recorded."""
    settings: Settings = current_app.extensions["settings"]
    token = request.cookies.get(browser_cookie(settings.page_cookies_secure(request.scheme)))
    if not token:
        return None
    session, now = database.session(), utc_now()
    found = session.execute(valid_session(token, settings, now)).first()
    if found is None:
        return None
    if (statement := touch(found[0], now)) is not None:
        session.execute(statement)
        session.commit()
    return found


def guarded_blueprint(
    name: str, import_name: str, visitor: Callable[[], Principal | None], **options: Any
) -> APIBlueprint:
    """A blueprint whose every page is for a signed-in member (``visitor`` says who, if anyone); anyone else is sent
    to sign in, and back after."""
    blueprint = APIBlueprint(name, import_name, **options)

    @blueprint.before_request
    def signed_in() -> Response | None:
        principal = visitor()
        if principal is None:
            page = request.full_path.rstrip("?") if request.method == "GET" else request.path
            return Response(status=303, headers={"Location": sign_in_url(page)})
        g.principal = principal
        return None

    return blueprint
