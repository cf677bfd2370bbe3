"""The current principal for Flask: a bearer token from the OpenID Connect provider, checked in a hook that runs
before a guarded blueprint's views (see ``web.guarding``)."""

from typing import Any

from flask import current_app, request
from flask_openapi.blueprint import APIBlueprint

from ..core.access import AuthenticationError, bearer_token
from ..core.errors import ServiceError
from ..core.principals import Principal
from ..web import guarding
from ..web.guarding import current_principal as current_principal
from ..web.problems import problem_responses
from .authority import Authority

SCHEME = "OpenIDConnect"
SECURITY: list[dict[str, list[str]]] = [{SCHEME: []}]
"""What every guarded operation requires."""
GUARDED_RESPONSES = problem_responses(401, 403, 503)
"""What every guarded operation may answer besides its own responses: 403 for a token without a required scope, 503
when the provider's keys cannot be fetched."""
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
    return current_authority().principal(token)


def token_subject() -> str | None:
    """The subject of the request's token while it is valid, for the rate limits; its key is fetched from the
    provider if need be, as ``authenticate`` would."""
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        return None
    try:
        return current_authority().principal(token).subject
    except ServiceError:
        return None


def guarded_blueprint(name: str, import_name: str, **options: Any) -> APIBlueprint:
    """A blueprint whose every route requires a token of the provider, and is documented so."""
    return guarding.guarded_blueprint(
        name, import_name, authenticate, security=SECURITY, responses=GUARDED_RESPONSES, **options
    )
