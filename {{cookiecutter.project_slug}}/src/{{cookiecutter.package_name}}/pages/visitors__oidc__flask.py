"""Who opens the pages: a member signed in through the pages' own session; anyone else is sent to sign in.

The browser's cookie holds the id of a page session (see ``provider.sessions``); an API client's bearer token does
not open a page, and a page's cookie does not call the API.
"""

from typing import Any

from flask import Response, current_app, g, request
from flask_openapi.blueprint import APIBlueprint

from ..core import database
from ..core.models import utc_now
from ..settings import Settings
from ..web.guarding import current_principal
from .provider.sessions import PageSession, valid_session
from .security import browser_cookie
from .sessions import sign_in_url, touch

__all__ = ["current_principal", "guarded_blueprint", "signed_in_member"]


def signed_in_member() -> PageSession | None:
    """The browser's page session, while it is valid; its use is recorded."""
    settings: Settings = current_app.extensions["settings"]
    token = request.cookies.get(browser_cookie(settings.page_cookies_secure(request.scheme)))
    if not token:
        return None
    session, now = database.session(), utc_now()
    found = session.execute(valid_session(token, settings, now)).scalar()
    if found is None:
        return None
    if (statement := touch(found, now)) is not None:
        session.execute(statement)
        session.commit()
    return found


def guarded_blueprint(name: str, import_name: str, **options: Any) -> APIBlueprint:
    """A blueprint whose every page is for a signed-in member; anyone else is sent to sign in, and back after."""
    blueprint = APIBlueprint(name, import_name, **options)

    @blueprint.before_request
    def signed_in() -> Response | None:
        member = signed_in_member()
        if member is None:
            page = request.full_path.rstrip("?") if request.method == "GET" else request.path
            return Response(status=303, headers={"Location": sign_in_url(page)})
        g.principal = member.principal
        return None

    return blueprint
