"""The current principal for Flask: a bearer access token, checked against the account it names.

A guarded blueprint authenticates in a hook that runs before its views, since flask-openapi3 validates a request
before its view runs: as on FastAPI, an anonymous request gets 401 before its parameters are checked, and after its
body was found readable JSON.
"""

from typing import Any

from flask import current_app, g, request
from flask_openapi3.blueprint import APIBlueprint

from ..core import database
from ..core.principals import Principal
from ..web.problems import problem_responses
from . import TOKEN_URL, service
from .authority import Authority
from .errors import AuthenticationError, PermissionDeniedError

SCHEME = "OAuth2"
SECURITY_SCHEMES: dict[str, Any] = {
    SCHEME: {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": TOKEN_URL}}}
}
"""The scheme FastAPI declares for ``OAuth2PasswordBearer(tokenUrl=TOKEN_URL, scheme_name="OAuth2")``."""
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


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header, read as FastAPI's ``OAuth2PasswordBearer`` reads it."""
    authorization = request.headers.get("Authorization")
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def authenticate() -> None:
    """Find the principal of a request to a guarded blueprint, or answer 401."""
    if request.method == "OPTIONS":
        # Werkzeug answers OPTIONS itself, and browsers ask it without credentials before a cross-origin call.
        return
    token = bearer_token()
    if token is None:
        raise AuthenticationError()
    g.principal = service.authenticate(database.session(), current_authority(), token)


def current_principal() -> Principal:
    """The principal the request was authenticated as."""
    principal: Principal = g.principal
    return principal


def current_admin() -> Principal:
    """The principal, if they are an admin; else 403."""
    principal = current_principal()
    if not principal.is_admin:
        raise PermissionDeniedError()
    return principal


def guarded_blueprint(name: str, import_name: str, **options: Any) -> APIBlueprint:
    """A blueprint whose every route requires an authenticated principal, and is documented so."""
    blueprint = APIBlueprint(name, import_name, abp_security=SECURITY, abp_responses={**GUARDED_RESPONSES}, **options)
    blueprint.before_request(authenticate)
    return blueprint
