"""The accounts' FastAPI dependencies: the current principal (a bearer access token, checked against the account it
names), the client's address and the attempt counter."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from ..core import access
from ..core.access import AuthenticationError, PermissionDeniedError
from ..core.counting import Counter, counter
from ..core.database import SessionDep
from ..core.principals import Principal
from ..web.clients import FORWARDED_FOR, client_address
from ..web.problems import problem_responses
from . import TOKEN_URL, service
from .authority import Authority
from .models import SignInAttempts
from .tokens import InvalidTokenError

bearer_token = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, scheme_name="OAuth2", auto_error=False)
GUARDED_RESPONSES = problem_responses(401)
"""What every guarded operation may answer besides its own responses."""


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


async def token_subject(request: Request) -> str | None:
    """The subject of the request's access token while its signature and lifetime are valid, for the rate limits;
    whether it still stands for an active account is ``current_principal``'s to check."""
    token = access.bearer_token(request.headers.get("Authorization"))
    if token is None:
        return None
    try:
        return get_authority(request).tokens.check(token).subject
    except InvalidTokenError:
        return None


def request_client_address(request: Request) -> str:
    """The client's address, read through the trusted proxies of the settings."""
    peer = request.client.host if request.client else ""
    return client_address(peer, request.headers.getlist(FORWARDED_FOR), request.app.state.settings.trusted_proxies)


ClientAddress = Annotated[str, Depends(request_client_address)]


async def attempt_counter(request: Request, session: SessionDep) -> Counter:
    """Redis, when the settings name one, else the database."""
    return counter(request.app.state.redis, session, SignInAttempts)


AttemptCounterDep = Annotated[Counter, Depends(attempt_counter)]
