"""The accounts' pages: sign up, sign in and out, the account, and the pages that mailed links open, on the
accounts' own service, with the token endpoint's limits on every password check."""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from ...auth import service
from ...auth.attempts import admit, settle
from ...auth.authority import Authority
from ...auth.errors import EmailTakenError, InvalidLinkError, OAuthError, WeakPasswordError, WrongPasswordError
from ...auth.guard import AttemptCounterDep, AuthorityDep, ClientAddress
from ...auth.models import User
from ...auth.schemas import AccountDeletion, EmailVerification, MailRequest, PasswordChange, PasswordReset, Registration
from ...auth.throttle import Attempt
from ...core.database import SessionDep
from ...core.models import utc_now
from ...core.principals import Principal
from ...mail.sender import wake_sender
from ...settings import Settings
from .. import ITEMS_URL
from ..forms import PageForm, submitted
from ..routes import CheckedBrowser, CurrentBrowser, PageRoute, redirect, render
from ..security import Browser, new_browser_id
from ..sessions import end_session
from ..visitors import CurrentUser, SignInRequiredError
from . import (
    ACCOUNT_URL,
    DELETION_URL,
    PASSWORD_URL,
    RESET_MAIL_URL,
    RESET_URL,
    SIGN_IN_URL,
    SIGN_OUT_URL,
    SIGN_UP_URL,
    VERIFY_MAIL_URL,
    VERIFY_URL,
    local_url,
    sign_in_url,
)
from .forms import (
    DeletionFields,
    EmailFields,
    PasswordChangeFields,
    PasswordResetFields,
    SignIn,
    SignInFields,
    SignUpFields,
    VerificationFields,
    form_page,
    on_field,
    refuse_form,
)
from .sessions import PageSession, new_page_session, principal, purge_ended_sessions

router = APIRouter(include_in_schema=False, route_class=PageRoute)
MAIL_ON_ITS_WAY = "If an account has this address, a mail is on its way to it: follow its link."
MAILED_LINKS: dict[str, tuple[str, Callable[[AsyncSession, Authority, str], Awaitable[None]]]] = {
    RESET_MAIL_URL: ("account/reset.html", service.request_password_reset),
    VERIFY_MAIL_URL: ("account/verify.html", service.request_verification),
}
"""The forms that mail a new link, by URL: the page each is on, and the service call that mails its link."""


async def signed_in(request: Request, session: AsyncSession, browser: Browser, user: User) -> Browser:
    """Start a page session for the account: the browser gets a new id, never the one it had before."""
    settings: Settings = request.app.state.settings
    token, row = new_page_session(user, settings)
    session.add(row)
    await session.execute(purge_ended_sessions(utc_now()))
    await session.commit()
    return replace(browser, id=token, is_new=True)


def signed_out(browser: Browser) -> Browser:
    """The browser with a new anonymous id, as after its session ended."""
    return replace(browser, id=new_browser_id(), is_new=True)


async def on_sign_in_required(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequiredError)  # the one error this handler is added for
    return RedirectResponse(error.location, status_code=303)


@router.get(SIGN_UP_URL)
async def sign_up_page(request: Request, browser: CurrentBrowser) -> Response:
    return render(request, browser, "account/sign_up.html", form_page(SignUpFields().typed(), {}))


@router.post(SIGN_UP_URL)
async def sign_up(
    request: Request,
    browser: CheckedBrowser,
    form: Annotated[SignUpFields, Form()],
    session: SessionDep,
    authority: AuthorityDep,
    counter: AttemptCounterDep,
    address: ClientAddress,
) -> Response:
    """Create a member account, as the API's registration does, and sign its browser in when it may sign in."""
    submission = on_field(submitted(form, Registration), "password")
    if submission.data is not None:
        await admit(counter, Attempt.registration(authority.settings, address))
        try:
            user = await service.register(session, authority, submission.data.email, submission.data.password)
        except EmailTakenError as error:
            submission.refuse("email", error)
        else:
            wake_sender(request)
            if user is None:
                return redirect(request, browser, SIGN_IN_URL, MAIL_ON_ITS_WAY)
            member = await signed_in(request, session, browser, user)
            return redirect(request, member, ITEMS_URL, f"Welcome, {user.email}: your account is ready.")
    context = form_page(submission.values, submission.errors)
    return render(request, browser, "account/sign_up.html", context, submission.status)


@router.get(SIGN_IN_URL)
async def sign_in_page(request: Request, browser: CurrentBrowser, next: str | None = None) -> Response:
    context = form_page(SignInFields().typed(), {}, action=sign_in_url(next))
    return render(request, browser, "account/sign_in.html", context)


@router.post(SIGN_IN_URL)
async def sign_in(
    request: Request,
    browser: CheckedBrowser,
    form: Annotated[SignInFields, Form()],
    session: SessionDep,
    authority: AuthorityDep,
    counter: AttemptCounterDep,
    address: ClientAddress,
    next: str | None = None,
) -> Response:
    """Check the password under the token endpoint's limits, then start a page session under a new id."""
    submission = submitted(form, SignIn)
    if submission.data is not None:
        attempt = Attempt.password_check(authority.settings, submission.data.email, address)
        await admit(counter, attempt)
        try:
            user = await service.signing_in_user(session, authority, submission.data.email, submission.data.password)
        except OAuthError as error:
            refuse_form(submission, error.description, error.status)
        else:
            await settle(counter, attempt)
            member = await signed_in(request, session, browser, user)
            return redirect(request, member, local_url(next, ITEMS_URL), f"Signed in as {user.email}.")
    context = form_page(submission.values, submission.errors, action=sign_in_url(next))
    return render(request, browser, "account/sign_in.html", context, submission.status)


@router.post(SIGN_OUT_URL)
async def sign_out(
    request: Request, browser: CheckedBrowser, form: Annotated[PageForm, Form()], session: SessionDep
) -> Response:
    """End the page session; the browser keeps no id of it. The form carries nothing but its token."""
    await session.execute(end_session(PageSession, browser.id))
    await session.commit()
    return redirect(request, signed_out(browser), SIGN_IN_URL, "Signed out.")


def account_page(user: User, values: dict[str, str], errors: dict[str, str]) -> dict[str, object]:
    return form_page(values, errors, email=user.email, email_verified=user.email_verified)


@router.get(ACCOUNT_URL)
async def account(request: Request, browser: CurrentBrowser, user: CurrentUser) -> Response:
    return render(request, browser, "account/account.html", account_page(user, PasswordChangeFields().typed(), {}))


@router.post(PASSWORD_URL)
async def change_password(
    request: Request,
    browser: CheckedBrowser,
    user: CurrentUser,
    form: Annotated[PasswordChangeFields, Form()],
    session: SessionDep,
    authority: AuthorityDep,
    counter: AttemptCounterDep,
    address: ClientAddress,
) -> Response:
    """Change the password as the API does, which ends every session of the account; this browser starts a new
    one, as it has just given the password."""
    submission = submitted(form, PasswordChange)
    if submission.data is not None:
        try:
            await service.change_password(session, authority, counter, principal(user), submission.data, address)
        except WrongPasswordError as error:
            submission.refuse("current_password", error)
        except WeakPasswordError as error:
            submission.refuse("new_password", error)
        else:
            member = await signed_in(request, session, browser, user)
            return redirect(request, member, ACCOUNT_URL, "Password changed; every other session has ended.")
    context = account_page(user, submission.values, submission.errors)
    return render(request, browser, "account/account.html", context, submission.status)


@router.get(DELETION_URL)
async def confirm_deletion(request: Request, browser: CurrentBrowser, user: CurrentUser) -> Response:
    return render(request, browser, "account/delete.html", account_page(user, DeletionFields().typed(), {}))


@router.post(DELETION_URL)
async def delete_account(
    request: Request,
    browser: CheckedBrowser,
    user: CurrentUser,
    form: Annotated[DeletionFields, Form()],
    session: SessionDep,
    authority: AuthorityDep,
    counter: AttemptCounterDep,
    address: ClientAddress,
) -> Response:
    """Delete the account and everything it owns, given its password; its sessions go with it."""
    submission = submitted(form, AccountDeletion)
    if submission.data is not None:
        member: Principal = principal(user)
        try:
            await service.delete_own_account(
                session, authority, counter, member, submission.data.current_password, address
            )
        except WrongPasswordError as error:
            submission.refuse("current_password", error)
        else:
            return redirect(request, signed_out(browser), SIGN_UP_URL, "Your account was deleted.")
    context = account_page(user, submission.values, submission.errors)
    return render(request, browser, "account/delete.html", context, submission.status)


@router.get(RESET_URL)
async def reset_page(request: Request, browser: CurrentBrowser, token: str | None = None) -> Response:
    """The page of a reset mail's link, which asks for the new password; without a token, the form that mails one."""
    fields = PasswordResetFields(token=token).typed() if token else EmailFields().typed()
    return render(request, browser, "account/reset.html", form_page(fields, {}))


@router.post(RESET_MAIL_URL)
@router.post(VERIFY_MAIL_URL)
async def mail_link(
    request: Request,
    browser: CheckedBrowser,
    form: Annotated[EmailFields, Form()],
    session: SessionDep,
    authority: AuthorityDep,
    counter: AttemptCounterDep,
    address: ClientAddress,
) -> Response:
    """Mail a new reset or verification link to the account of the address typed; the answer is the same for any
    address."""
    template, mail = MAILED_LINKS[request.scope["route"].path]
    submission = submitted(form, MailRequest)
    if submission.data is None:
        return render(request, browser, template, form_page(submission.values, submission.errors), 422)
    await admit(counter, Attempt.mail_request(authority.settings, submission.data.email, address))
    await mail(session, authority, submission.data.email)
    wake_sender(request)
    return redirect(request, browser, SIGN_IN_URL, MAIL_ON_ITS_WAY)


@router.post(RESET_URL)
async def reset_password(
    request: Request,
    browser: CheckedBrowser,
    form: Annotated[PasswordResetFields, Form()],
    session: SessionDep,
    authority: AuthorityDep,
) -> Response:
    """Set the new password of a reset link, once; every session of the account ends."""
    submission = submitted(form, PasswordReset)
    if submission.data is not None:
        try:
            await service.reset_password(session, authority, submission.data.token, submission.data.new_password)
        except InvalidLinkError as error:
            refuse_form(submission, error.detail, error.status)
        except WeakPasswordError as error:
            submission.refuse("new_password", error)
        else:
            return redirect(request, signed_out(browser), SIGN_IN_URL, "Password changed: sign in with it.")
    on_field(submission, "new_password")
    if "token" in submission.errors:
        refuse_form(submission, InvalidLinkError().detail, 400)
    context = form_page(submission.values, submission.errors)
    return render(request, browser, "account/reset.html", context, submission.status)


@router.get(VERIFY_URL)
async def verify_page(request: Request, browser: CurrentBrowser, token: str | None = None) -> Response:
    """The page of a verification mail's link, whose button confirms the address (a link opened by a mail scanner
    confirms nothing); without a token, the form that mails a new link."""
    fields = VerificationFields(token=token).typed() if token else EmailFields().typed()
    return render(request, browser, "account/verify.html", form_page(fields, {}))


@router.post(VERIFY_URL)
async def verify_email(
    request: Request, browser: CheckedBrowser, form: Annotated[VerificationFields, Form()], session: SessionDep
) -> Response:
    submission = submitted(form, EmailVerification)
    if submission.data is not None:
        try:
            await service.verify_email(session, submission.data.token)
        except InvalidLinkError as error:
            refuse_form(submission, error.detail, error.status)
        else:
            return redirect(request, browser, ACCOUNT_URL, "Your address is confirmed.")
    else:
        refuse_form(submission, InvalidLinkError().detail, 400)
    context = form_page(submission.values, submission.errors)
    return render(request, browser, "account/verify.html", context, submission.status)


def init_app(app: FastAPI, settings: Settings) -> None:
    """Send a visitor who is not signed in from a member's page to the sign-in page."""
    app.add_exception_handler(SignInRequiredError, on_sign_in_required)


routers = [router]
