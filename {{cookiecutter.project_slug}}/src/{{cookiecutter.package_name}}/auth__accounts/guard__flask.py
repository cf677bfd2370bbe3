"""The current principal for Flask: a bearer access token, checked against the account it names, in a hook that runs
before a guarded blueprint's views (see ``web.guarding``)."""

from typing import Any

from flask import current_app, request
from flask_openapi3.blueprint import APIBlueprint

from ..core import database
from ..core.access import AuthenticationError, PermissionDeniedError, bearer_token
from ..core.principals import Principal
from ..web import guarding
from ..web.guarding import current_principal as current_principal
from ..web.problems import problem_responses
from . import TOKEN_URL, service
from .authority import Authority
from .settings import AuthSettings

SCHEME = "OAuth2"
SECURITY: list[dict[str, list[str]]] = [{SCHEME: []}]
"""What every guarded operation requires."""
GUARDED_RESPONSES = problem_responses(401)
"""What every guarded operation may answer besides its own responses."""
AUTHORITY = "authority"
SETTINGS = "settings"
"""Where the application keeps its settings and, made from them on first use, its authority."""


def security_schemes(settings: AuthSettings) -> dict[str, Any]:
    """The scheme FastAPI declares for ``OAuth2PasswordBearer(tokenUrl=TOKEN_URL, scheme_name="OAuth2")``."""
    return {SCHEME: {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": TOKEN_URL}}}}


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
