"""The accounts' FastAPI dependencies: the current principal (a bearer access token, checked against the account it
names), the client's address and the attempt counter."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from redis.asyncio import Redis

from ..core.access import AuthenticationError, PermissionDeniedError
from ..core.database import SessionDep
from ..core.principals import Principal
from ..web.problems import problem_responses
from . import TOKEN_URL, service
from .attempts import AttemptCounter, DatabaseCounter, RedisCounter
from .authority import Authority
from .clients import FORWARDED_FOR, client_address

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


def request_client_address(request: Request) -> str:
    """The client's address, read through the trusted proxies of the settings."""
    peer = request.client.host if request.client else ""
    return client_address(peer, request.headers.getlist(FORWARDED_FOR), get_authority(request).settings.trusted_proxies)


ClientAddress = Annotated[str, Depends(request_client_address)]


async def attempt_counter(session: SessionDep, authority: AuthorityDep) -> AsyncIterator[AttemptCounter]:
    """Redis, when the settings name one (a connection for this request), else the database."""
    if authority.settings.redis_url is None:
        yield DatabaseCounter(session)
        return
    async with Redis.from_url(authority.settings.redis_url, socket_timeout=5) as redis:
        yield RedisCounter(redis)


AttemptCounterDep = Annotated[AttemptCounter, Depends(attempt_counter)]
