"""The caller as the provider's token names them: to check a provider's set-up, and for clients to know who they are."""

from fastapi import APIRouter

from ..core.principals import Principal
from ..web.compat import ProblemDocumentedAPI
from . import USERS_URL
from .guard import GUARDED_RESPONSES, SCHEME, CurrentPrincipal
from .schemas import PrincipalRead
from .settings import AuthSettings

users = APIRouter(prefix=USERS_URL, tags=["users"], responses=GUARDED_RESPONSES)


@users.get("/me", response_model=PrincipalRead)
async def read_me(principal: CurrentPrincipal) -> Principal:
    """The caller: the token's subject, and the role its roles claim gives."""
    return principal


routers = [users]


def init_app(app: ProblemDocumentedAPI, settings: AuthSettings) -> None:
    """Document the security scheme with the provider's discovery URL, which only the settings know."""
    app.security_schemes[SCHEME] = {"type": "openIdConnect", "openIdConnectUrl": settings.oidc_discovery_url}
