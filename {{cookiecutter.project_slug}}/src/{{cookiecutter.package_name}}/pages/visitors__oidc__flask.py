"""Who opens the pages: a member whom the provider signed in, through the pages' own session (see
``provider.sessions``); anyone else is sent to sign in."""

from typing import Any

from flask_openapi.blueprint import APIBlueprint

from ..core.principals import Principal
from ..web.guarding import current_principal
from . import signing_in
from .provider.sessions import PageSession, valid_session

__all__ = ["current_principal", "guarded_blueprint", "signed_in_member"]


def signed_in_member() -> PageSession | None:
    """The browser's page session, while it is valid."""
    found = signing_in.live_session(valid_session)
    member: PageSession | None = None if found is None else found[0]
    return member


def visitor() -> Principal | None:
    member = signed_in_member()
    return None if member is None else member.principal


def guarded_blueprint(name: str, import_name: str, **options: Any) -> APIBlueprint:
    """A blueprint whose every page is for a signed-in member; anyone else is sent to sign in, and back after."""
    return signing_in.guarded_blueprint(name, import_name, visitor, **options)
