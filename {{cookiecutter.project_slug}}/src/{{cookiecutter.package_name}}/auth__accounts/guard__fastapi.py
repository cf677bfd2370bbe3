"""The current principal as a FastAPI dependency: a bearer access token, checked against the account it names."""

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from ..core.access import AuthenticationError, PermissionDeniedError
from ..core.database import SessionDep
from ..core.principals import Principal
from ..web.problems import problem_responses
from . import TOKEN_URL, service
from .authority import Authority
from .settings import AuthSettings

bearer_token = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, scheme_name="OAuth2", auto_error=False)
GUARDED_RESPONSES = problem_responses(401)
"""What every guarded operation may answer besides its own responses."""


def security_schemes(settings: AuthSettings) -> dict[str, Any]:
    """Nothing to add: FastAPI documents the scheme from ``bearer_token``, which the settings do not change."""
    return {}


def get_authority(request: Request) -> Authority:
    """The application's authority, made from its settings on first use."""
    state = request.app.state
    if not hasattr(state, "authority"):
        state.authority = Authority(state.settings)
    authority: Authority = state.authority
    return authority


AuthorityDep = Annotated[Authority, Depends(get_authority)]


async def current_principal(
    token: Annotated[str | None, Depends(bearer_token)], session: SessionDep, authority: AuthorityDep
) -> Principal:
    if token is None:
        raise AuthenticationError()
    return await service.authenticate(session, authority, token)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def current_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.is_admin:
        raise PermissionDeniedError()
    return principal


CurrentAdmin = Annotated[Principal, Depends(current_admin)]
