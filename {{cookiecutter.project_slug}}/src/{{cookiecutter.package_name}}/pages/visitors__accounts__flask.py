"""Who opens the pages: a member signed in through the pages' own session; anyone else is sent to sign in.

The browser's cookie holds the id of a page session (see ``accounts.sessions``); an API client's bearer token does
not open a page, and a page's cookie does not call the API.
"""

from typing import Any

from flask import Response, current_app, g, request
from flask_openapi.blueprint import APIBlueprint

from ..auth.models import User
from ..core import database
from ..core.models import utc_now
from ..settings import Settings
from ..web.guarding import current_principal
from .accounts import sign_in_url
from .accounts.sessions import principal, valid_session
from .security import browser_cookie
from .sessions import touch

__all__ = ["current_principal", "guarded_blueprint", "signed_in_user"]


def signed_in_user() -> User | None:
    """The account of the browser's page session, while the session is valid; its use is recorded."""
    settings: Settings = current_app.extensions["settings"]
    token = request.cookies.get(browser_cookie(settings.page_cookies_secure(request.scheme)))
    if not token:
        return None
    session, now = database.session(), utc_now()
    found = session.execute(valid_session(token, settings, now)).first()
    if found is None:
        return None
    page_session, user = found
    if (statement := touch(page_session, now)) is not None:
        session.execute(statement)
        session.commit()
    return user


def guarded_blueprint(name: str, import_name: str, **options: Any) -> APIBlueprint:
    """A blueprint whose every page is for a signed-in member; anyone else is sent to sign in, and back after."""
    blueprint = APIBlueprint(name, import_name, **options)

    @blueprint.before_request
    def signed_in() -> Response | None:
        user = signed_in_user()
        if user is None:
            page = request.full_path.rstrip("?") if request.method == "GET" else request.path
            return Response(status=303, headers={"Location": sign_in_url(page)})
        g.principal = principal(user)
        return None

    return blueprint
