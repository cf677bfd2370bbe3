"""The caller as the provider's token names them: to check a provider's set-up, and for clients to know who they are."""

from flask import Response
from flask_openapi.models.tag import Tag

from ..web.compat import ProblemDocumentedAPI, json_response
from . import USERS_URL
from .guard import SCHEME, current_principal, guarded_blueprint
from .schemas import PrincipalRead
from .settings import AuthSettings

users = guarded_blueprint("users", __name__, url_prefix=USERS_URL, abp_tags=[Tag(name="users")])


@users.get("/me", responses={200: PrincipalRead})
def read_me() -> Response:
    """The caller: the token's subject, and the role its roles claim gives."""
    return json_response(PrincipalRead.model_validate(current_principal()))


blueprints = [users]


def init_app(app: ProblemDocumentedAPI, settings: AuthSettings) -> None:
    """Document the security scheme with the provider's discovery URL, which only the settings know."""
    scheme = {"type": "openIdConnect", "openIdConnectUrl": settings.oidc_discovery_url}
    app.security_schemes = {**(app.security_schemes or {}), SCHEME: scheme}
