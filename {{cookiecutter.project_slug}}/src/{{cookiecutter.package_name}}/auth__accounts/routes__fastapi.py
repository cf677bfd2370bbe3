"""The accounts' routes: registration, the OAuth 2.0 token and revocation endpoints, and the user's own account."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from ..core.database import SessionDep
from ..core.fields import MAX_ROW_ID, PageQuery
from ..mail.sender import run_sender, wake_sender
from ..web.headers import LOCATED
from ..web.problems import problem_responses
from . import AUTH_URL, USERS_URL, service, user_url
from .attempts import admit, settle
from .errors import OAuthError, RegistrationClosedError
from .forms import FormOnly
from .guard import GUARDED_RESPONSES, AttemptCounterDep, AuthorityDep, ClientAddress, CurrentAdmin, CurrentPrincipal
from .models import User
from .schemas import (
    MAIL_ON_ITS_WAY,
    NO_STORE,
    REGISTRATION_ACCEPTED,
    Accepted,
    AccountDeletion,
    EmailVerification,
    MailRequest,
    OAuthErrorBody,
    PasswordChange,
    PasswordGrant,
    PasswordReset,
    Registration,
    RevocationRequest,
    TokenRequest,
    TokenResponse,
    UserPage,
    UserRead,
    UserUpdate,
)
from .throttle import Attempt

UserId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
USER_PATH = "/{user_id:int}"
"""Digits only, so that ``/me`` is never taken for an account's id: another method on it is 405, not 422."""

auth = APIRouter(prefix=AUTH_URL, tags=["auth"], lifespan=run_sender)
users = APIRouter(prefix=USERS_URL, tags=["users"], responses=GUARDED_RESPONSES)


async def admitted_mail_request(
    data: MailRequest, authority: AuthorityDep, counter: AttemptCounterDep, address: ClientAddress
) -> MailRequest:
    """A request for a mail, once admitted under the limits per client address and per address asked for."""
    await admit(counter, Attempt.mail_request(authority.settings, data.email, address))
    return data


AdmittedMailRequest = Annotated[MailRequest, Depends(admitted_mail_request)]


@auth.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses={
        201: LOCATED,
        202: {"model": Accepted, "description": "Accepted: with verification required, for any address"},
        **problem_responses(400, 403, 409, 413, 415, 422, 429, 503),
    },
)
async def register(
    data: Registration,
    session: SessionDep,
    authority: AuthorityDep,
    counter: AttemptCounterDep,
    address: ClientAddress,
    request: Request,
    response: Response,
) -> User | Response:
    """Create a member account, unless registration is switched off, and mail its verification link. With
    verification required, the answer is 202 for a new and a taken address alike (the owner of a taken one is told
    by mail). Registrations are limited per client address (429 with Retry-After)."""
    if not authority.settings.registration_enabled:
        raise RegistrationClosedError()
    await admit(counter, Attempt.registration(authority.settings, address))
    user = await service.register(session, authority, data.email, data.password)
    wake_sender(request)
    if user is None:
        return JSONResponse(REGISTRATION_ACCEPTED.model_dump(), status.HTTP_202_ACCEPTED)
    response.headers["Location"] = user_url(user.id)
    return user


@auth.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(400, 413, 415, 422, 429, 503),
)
async def request_password_reset(
    data: AdmittedMailRequest, session: SessionDep, authority: AuthorityDep, request: Request
) -> Accepted:
    """Mail a single-use password-reset link to the address's account; the answer is the same for any address.
    Limited per client address and per address asked for (429)."""
    await service.request_password_reset(session, authority, data.email)
    wake_sender(request)
    return MAIL_ON_ITS_WAY


@auth.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(400, 413, 415, 422, 503),
)
async def reset_password(data: PasswordReset, session: SessionDep, authority: AuthorityDep) -> None:
    """Set a new password with the token of a reset link (400 when it is unknown, used or expired); every session
    of the account ends."""
    await service.reset_password(session, authority, data.token, data.new_password)


@auth.post(
    "/verify-email",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(400, 413, 415, 422, 503),
)
async def verify_email(data: EmailVerification, session: SessionDep) -> None:
    """Verify an account's address with the token of its verification link (400 when unknown, used or expired)."""
    await service.verify_email(session, data.token)


@auth.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(400, 413, 415, 422, 429, 503),
)
async def request_verification(
    data: AdmittedMailRequest, session: SessionDep, authority: AuthorityDep, request: Request
) -> Accepted:
    """Mail a new verification link to the address's unverified account; the answer is the same for any address.
    Limited per client address and per address asked for (429)."""
    await service.request_verification(session, authority, data.email)
    wake_sender(request)
    return MAIL_ON_ITS_WAY


@auth.post(
    "/token",
    dependencies=[FormOnly],
    response_model=TokenResponse,
    responses={
        400: {"model": OAuthErrorBody, "description": "Bad Request"},
        **problem_responses(413, 415, 422, 429, 503),
    },
)
async def issue_token(
    form: Annotated[TokenRequest, Form()],
    session: SessionDep,
    authority: AuthorityDep,
    counter: AttemptCounterDep,
    address: ClientAddress,
) -> Response:
    """The OAuth 2.0 token endpoint: the password grant (username is the e-mail address) and the refresh-token
    grant. Sign-in attempts are limited per client address, per account from one address and per account (429 with
    Retry-After)."""
    try:
        grant = form.grant()
        if isinstance(grant, PasswordGrant):
            attempt = Attempt.password_check(authority.settings, grant.username, address)
            await admit(counter, attempt)
            tokens = await service.password_grant(session, authority, grant.username, grant.password)
            await settle(counter, attempt)
        else:
            tokens = await service.refresh_grant(session, authority, grant.refresh_token)
    except OAuthError as error:
        return JSONResponse(OAuthErrorBody.of(error).model_dump(), error.status, NO_STORE)
    return JSONResponse(tokens.model_dump(), headers=NO_STORE)


@auth.post(
    "/revoke",
    dependencies=[FormOnly],
    response_class=Response,
    responses=problem_responses(400, 413, 415, 422, 503),
)
async def revoke_token(form: Annotated[RevocationRequest, Form()], session: SessionDep) -> Response:
    """End the session of a refresh token (RFC 7009); an unknown token is not an error."""
    await service.revoke(session, form.token)
    return Response(status_code=status.HTTP_200_OK)


@users.get("/me", response_model=UserRead, responses=problem_responses(503))
async def read_me(principal: CurrentPrincipal, session: SessionDep) -> User:
    """The caller's own account."""
    return await service.get_user(session, principal)


@users.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(400, 403, 413, 415, 422, 429, 503),
)
async def change_password(
    change: PasswordChange,
    principal: CurrentPrincipal,
    session: SessionDep,
    authority: AuthorityDep,
    counter: AttemptCounterDep,
    address: ClientAddress,
) -> None:
    """Change the caller's password; every session of theirs ends, this one too. The current password is checked
    under the limits of a sign-in."""
    await service.change_password(session, authority, counter, principal, change, address)


@users.post(
    "/me/delete",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(400, 403, 413, 415, 422, 429, 503),
)
async def delete_own_account(
    data: AccountDeletion,
    principal: CurrentPrincipal,
    session: SessionDep,
    authority: AuthorityDep,
    counter: AttemptCounterDep,
    address: ClientAddress,
) -> None:
    """Delete the caller's account and everything it owns, given its current password; every session ends."""
    await service.delete_own_account(session, authority, counter, principal, data.current_password, address)


@users.get("", responses=problem_responses(403, 422, 503))
async def list_users(query: Annotated[PageQuery, Query()], admin: CurrentAdmin, session: SessionDep) -> UserPage:
    """List the accounts, oldest first (admins only)."""
    page, total = await service.list_users(session, query)
    return UserPage(
        users=[UserRead.model_validate(user) for user in page], total=total, limit=query.limit, offset=query.offset
    )


@users.get(USER_PATH, response_model=UserRead, responses=problem_responses(404, 422, 503))
async def read_user(user_id: UserId, principal: CurrentPrincipal, session: SessionDep) -> User:
    """Read an account: any, for an admin; one's own, for a member."""
    return await service.find_user(session, principal, user_id)


@users.patch(
    USER_PATH,
    response_model=UserRead,
    responses=problem_responses(400, 403, 404, 409, 413, 415, 422, 503),
)
async def update_user(user_id: UserId, change: UserUpdate, admin: CurrentAdmin, session: SessionDep) -> User:
    """Change an account's role or whether it may sign in (admins only); it takes effect from its next request."""
    return await service.update_user(session, admin, user_id, change)


@users.delete(
    USER_PATH,
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(403, 404, 409, 422, 503),
)
async def delete_user(user_id: UserId, admin: CurrentAdmin, session: SessionDep) -> None:
    """Delete an account and everything it owns (admins only); every session of theirs ends at once."""
    await service.delete_user(session, admin, user_id)


routers = [auth, users]
