"""Who opens the pages: a member signed in with their account, through the pages' own session (see
``accounts.sessions``); anyone else is sent to sign in."""

from typing import Any

from flask_openapi.blueprint import APIBlueprint

from ..auth.models import User
from ..core.principals import Principal
from ..web.guarding import current_principal
from . import signing_in
from .accounts.sessions import principal, valid_session

__all__ = ["current_principal", "guarded_blueprint", "signed_in_user"]


def signed_in_user() -> User | None:
    """The account of the browser's page session, while the session is valid."""
    found = signing_in.live_session(valid_session)
    user: User | None = None if found is None else found[1]
    return user


def visitor() -> Principal | None:
    user = signed_in_user()
    return None if user is None else principal(user)


def guarded_blueprint(name: str, import_name: str, **options: Any) -> APIBlueprint:
    """A blueprint whose every page is for a signed-in member; anyone else is sent to sign in, and back after."""
    return signing_in.guarded_blueprint(name, import_name, visitor, **options)
