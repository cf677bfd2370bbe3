"""The accounts' routes: registration, the OAuth 2.0 token and revocation endpoints, and the user's own account."""

from collections.abc import Callable

from flask import Response
from flask_openapi.blueprint import APIBlueprint
from flask_openapi.models.tag import Tag
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ..core import database
from ..core.fields import MAX_ROW_ID, PageQuery
from ..mail.sender import init_sender, wake_sender
from ..web.compat import ProblemDocumentedAPI, empty_response, json_response, response_parts
from ..web.headers import LOCATED
from ..web.problems import problem_responses
from . import AUTH_URL, TOKEN_URL, USERS_URL, service, user_url
from .attempts import admit, settle
from .authority import Authority
from .errors import OAuthError, RegistrationClosedError
from .forms import form_body
from .guard import (
    SCHEME,
    attempt_counter,
    current_admin,
    current_authority,
    current_principal,
    guarded_blueprint,
    request_client_address,
)
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
from .settings import AuthSettings
from .throttle import Attempt


class UserPath(BaseModel):
    user_id: int = Field(ge=1, le=MAX_ROW_ID)


USER_PATH = "/<int:user_id>"
"""Digits only, so that ``/me`` is never taken for an account's id: another method on it is 405, not 415 or 422."""


auth = APIBlueprint("auth", __name__, url_prefix=AUTH_URL, abp_tags=[Tag(name="auth")])
auth.record_once(init_sender)
users = guarded_blueprint("users", __name__, url_prefix=USERS_URL, abp_tags=[Tag(name="users")])


@auth.post(
    "/register",
    responses={201: UserRead, 202: Accepted, **problem_responses(400, 403, 409, 413, 415, 422, 429, 503)},
    openapi_extensions=response_parts({201: LOCATED}),
)
def register(body: Registration) -> Response:
    """Create a member account, unless registration is switched off, and mail its verification link. With
    verification required, the answer is 202 for a new and a taken address alike (the owner of a taken one is told
    by mail). Registrations are limited per client address (429 with Retry-After)."""
    authority = current_authority()
    if not authority.settings.registration_enabled:
        raise RegistrationClosedError()
    admit(attempt_counter(), Attempt.registration(authority.settings, request_client_address()))
    user = service.register(database.session(), authority, body.email, body.password)
    wake_sender()
    if user is None:
        return json_response(REGISTRATION_ACCEPTED, 202)
    return json_response(UserRead.model_validate(user), 201, {"Location": user_url(user.id)})


def answer_mail_request(write_mail: Callable[[Session, Authority, str], None], body: MailRequest) -> Response:
    """Admit a request for a mail under the limits per client address and per address asked for, have the mail
    written and sent, and give the answer that is the same for any address."""
    authority = current_authority()
    admit(attempt_counter(), Attempt.mail_request(authority.settings, body.email, request_client_address()))
    write_mail(database.session(), authority, body.email)
    wake_sender()
    return json_response(MAIL_ON_ITS_WAY, 202)


@auth.post("/password-reset", responses={202: Accepted, **problem_responses(400, 413, 415, 422, 429, 503)})
def request_password_reset(body: MailRequest) -> Response:
    """Mail a single-use password-reset link to the address's account; the answer is the same for any address.
    Limited per client address and per address asked for (429)."""
    return answer_mail_request(service.request_password_reset, body)


@auth.post("/password-reset/confirm", responses={204: None, **problem_responses(400, 413, 415, 422, 503)})
def reset_password(body: PasswordReset) -> Response:
    """Set a new password with the token of a reset link (400 when it is unknown, used or expired); every session
    of the account ends."""
    service.reset_password(database.session(), current_authority(), body.token, body.new_password)
    return empty_response(204)


@auth.post("/verify-email", responses={204: None, **problem_responses(400, 413, 415, 422, 503)})
def verify_email(body: EmailVerification) -> Response:
    """Verify an account's address with the token of its verification link (400 when unknown, used or expired)."""
    service.verify_email(database.session(), body.token)
    return empty_response(204)


@auth.post("/verify-email/resend", responses={202: Accepted, **problem_responses(400, 413, 415, 422, 429, 503)})
def request_verification(body: MailRequest) -> Response:
    """Mail a new verification link to the address's unverified account; the answer is the same for any address.
    Limited per client address and per address asked for (429)."""
    return answer_mail_request(service.request_verification, body)


@auth.post("/token", responses={200: TokenResponse, 400: OAuthErrorBody, **problem_responses(413, 415, 422, 429, 503)})
@form_body
def issue_token(form: TokenRequest) -> Response:
    """The OAuth 2.0 token endpoint: the password grant (username is the e-mail address) and the refresh-token
    grant. Sign-in attempts are limited per client address, per account from one address and per account (429 with
    Retry-After)."""
    session, authority = database.session(), current_authority()
    try:
        grant = form.grant()
        if isinstance(grant, PasswordGrant):
            attempt = Attempt.password_check(authority.settings, grant.username, request_client_address())
            counter = attempt_counter()
            admit(counter, attempt)
            tokens = service.password_grant(session, authority, grant.username, grant.password)
            settle(counter, attempt)
        else:
            tokens = service.refresh_grant(session, authority, grant.refresh_token)
    except OAuthError as error:
        return json_response(OAuthErrorBody.of(error), error.status, NO_STORE)
    return json_response(tokens, headers=NO_STORE)


@auth.post("/revoke", responses={200: None, **problem_responses(400, 413, 415, 422, 503)})
@form_body
def revoke_token(form: RevocationRequest) -> Response:
    """End the session of a refresh token (RFC 7009); an unknown token is not an error."""
    service.revoke(database.session(), form.token)
    return empty_response(200)


@users.get("/me", responses={200: UserRead, **problem_responses(503)})
def read_me() -> Response:
    """The caller's own account."""
    return json_response(UserRead.model_validate(service.get_user(database.session(), current_principal())))


@users.post("/me/password", responses={204: None, **problem_responses(400, 403, 413, 415, 422, 429, 503)})
def change_password(body: PasswordChange) -> Response:
    """Change the caller's password; every session of theirs ends, this one too. The current password is checked
    under the limits of a sign-in."""
    service.change_password(
        database.session(), current_authority(), attempt_counter(), current_principal(), body, request_client_address()
    )
    return empty_response(204)


@users.post("/me/delete", responses={204: None, **problem_responses(400, 403, 413, 415, 422, 429, 503)})
def delete_own_account(body: AccountDeletion) -> Response:
    """Delete the caller's account and everything it owns, given its current password; every session ends."""
    service.delete_own_account(
        database.session(),
        current_authority(),
        attempt_counter(),
        current_principal(),
        body.current_password,
        request_client_address(),
    )
    return empty_response(204)


@users.get("", responses={200: UserPage, **problem_responses(403, 422, 503)})
def list_users(query: PageQuery) -> Response:
    """List the accounts, oldest first (admins only)."""
    current_admin()
    page, total = service.list_users(database.session(), query)
    return json_response(
        UserPage(
            users=[UserRead.model_validate(user) for user in page], total=total, limit=query.limit, offset=query.offset
        )
    )


@users.get(USER_PATH, responses={200: UserRead, **problem_responses(404, 422, 503)})
def read_user(path: UserPath) -> Response:
    """Read an account: any, for an admin; one's own, for a member."""
    return json_response(
        UserRead.model_validate(service.find_user(database.session(), current_principal(), path.user_id))
    )


@users.patch(USER_PATH, responses={200: UserRead, **problem_responses(400, 403, 404, 409, 413, 415, 422, 503)})
def update_user(path: UserPath, body: UserUpdate) -> Response:
    """Change an account's role or whether it may sign in (admins only); it takes effect from its next request."""
    user = service.update_user(database.session(), current_admin(), path.user_id, body)
    return json_response(UserRead.model_validate(user))


@users.delete(USER_PATH, responses={204: None, **problem_responses(403, 404, 409, 422, 503)})
def delete_user(path: UserPath) -> Response:
    """Delete an account and everything it owns (admins only); every session of theirs ends at once."""
    service.delete_user(database.session(), current_admin(), path.user_id)
    return empty_response(204)


blueprints = [auth, users]


def init_app(app: ProblemDocumentedAPI, settings: AuthSettings) -> None:
    """Document the OAuth 2.0 password flow at the token endpoint, which the docs' "Authorize" button signs in with."""
    scheme = {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": TOKEN_URL}}}
    app.security_schemes = {**(app.security_schemes or {}), SCHEME: scheme}
