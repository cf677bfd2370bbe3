"""The accounts' part of each Flask request: the current principal (a bearer access token, checked against the
account it names, in a hook that runs before a guarded blueprint's views: see ``web.guarding``), the client's address
and the attempt counter."""

from typing import Any

from flask import current_app, request
from flask_openapi.blueprint import APIBlueprint

from ..core import counting, database
from ..core.access import AuthenticationError, PermissionDeniedError, bearer_token
from ..core.counting import Counter
from ..core.principals import Principal
from ..web import guarding
from ..web.clients import FORWARDED_FOR, client_address
from ..web.guarding import current_principal as current_principal
from ..web.problems import problem_responses
from . import service
from .authority import Authority
from .models import SignInAttempts
from .tokens import InvalidTokenError

SCHEME = "OAuth2"
SECURITY: list[dict[str, list[str]]] = [{SCHEME: []}]
"""What every guarded operation requires."""
GUARDED_RESPONSES = problem_responses(401)
"""What every guarded operation may answer besides its own responses."""
AUTHORITY = "authority"
SETTINGS = "settings"
"""Where the application keeps its settings and, made from them on first use, its authority."""


def current_authority() -> Authority:
    """The application's authority, made from its settings on first use."""
    extensions = current_app.extensions
    if AUTHORITY not in extensions:
        extensions[AUTHORITY] = Authority(extensions[SETTINGS])
    authority: Authority = extensions[AUTHORITY]
    return authority


def authenticate() -> Principal:
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        raise AuthenticationError()
    return service.authenticate(database.session(), current_authority(), token)


def current_admin() -> Principal:
    """The principal, if they are an admin; else 403."""
    principal = current_principal()
    if not principal.is_admin:
        raise PermissionDeniedError()
    return principal


def guarded_blueprint(name: str, import_name: str, **options: Any) -> APIBlueprint:
    """A blueprint whose every route requires an authenticated principal, and is documented so."""
    return guarding.guarded_blueprint(
        name, import_name, authenticate, security=SECURITY, responses=GUARDED_RESPONSES, **options
    )


def token_subject() -> str | None:
    """The subject of the request's access token while its signature and lifetime are valid, for the rate limits;
    whether it still stands for an active account is ``authenticate``'s to check."""
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        return None
    try:
        return current_authority().tokens.check(token).subject
    except InvalidTokenError:
        return None


def request_client_address() -> str:
    """The client's address, read through the trusted proxies of the settings."""
    trusted_proxies = current_app.extensions[SETTINGS].trusted_proxies
    return client_address(request.remote_addr or "", request.headers.getlist(FORWARDED_FOR), trusted_proxies)


def attempt_counter() -> Counter:
    """Redis, when the settings name one, else the database."""
    return counting.counter(current_app.extensions[counting.EXTENSION], database.session(), SignInAttempts)
