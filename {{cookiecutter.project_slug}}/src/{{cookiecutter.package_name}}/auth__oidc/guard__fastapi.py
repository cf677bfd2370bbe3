"""The current principal as a FastAPI dependency: a bearer token from the OpenID Connect provider."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OpenIdConnect

from ..core.access import AuthenticationError, bearer_token
from ..core.errors import ServiceError
from ..core.principals import Principal
from ..web.problems import problem_responses
from .authority import Authority

SCHEME = "OpenIDConnect"
authorization = OpenIdConnect(openIdConnectUrl="", scheme_name=SCHEME, auto_error=False)
"""Reads the Authorization header; the discovery URL it documents comes from the settings (``security_schemes``)."""
GUARDED_RESPONSES = problem_responses(401, 403, 503)
"""What every guarded operation may answer besides its own responses: 403 for a token without a required scope, 503
when the provider's keys cannot be fetched."""


def get_authority(request: Request) -> Authority:
    """The application's authority, made from its settings on first use."""
    state = request.app.state
    if not hasattr(state, "authority"):
        state.authority = Authority(state.settings)
    authority: Authority = state.authority
    return authority


async def current_principal(
    header: Annotated[str | None, Depends(authorization)], authority: Annotated[Authority, Depends(get_authority)]
) -> Principal:
    token = bearer_token(header)
    if token is None:
        raise AuthenticationError()
    return await principal_of(authority, token)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def principal_of(authority: Authority, token: str) -> Principal:
    principal = authority.cached_principal(token)
    if principal is None:
        # The key is not cached: fetching it blocks, so it runs on a worker thread.
        principal = await run_in_threadpool(authority.principal, token)
    return principal


async def token_subject(request: Request) -> str | None:
    """The subject of the request's token while it is valid, for the rate limits; its key is fetched from the
    provider if need be, as ``current_principal`` would."""
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        return None
    try:
        return (await principal_of(get_authority(request), token)).subject
    except ServiceError:
        return None
