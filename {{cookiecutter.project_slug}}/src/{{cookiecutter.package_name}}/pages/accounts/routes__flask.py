"""The accounts' pages: sign up, sign in and out, the account, and the pages that mailed links open, on the
accounts' own service, with the token endpoint's limits on every password check."""

from collections.abc import Callable
from dataclasses import replace

from flask import Response, current_app, request
from flask_openapi.blueprint import APIBlueprint
from sqlalchemy.orm import Session

from ...auth import service
from ...auth.attempts import admit, settle
from ...auth.authority import Authority
from ...auth.errors import EmailTakenError, InvalidLinkError, OAuthError, WeakPasswordError, WrongPasswordError
from ...auth.guard import attempt_counter, current_authority, request_client_address
from ...auth.models import User
from ...auth.schemas import AccountDeletion, EmailVerification, MailRequest, PasswordChange, PasswordReset, Registration
from ...auth.throttle import Attempt
from ...core import database
from ...core.models import utc_now
from ...mail.sender import wake_sender
from ...settings import Settings
from .. import ITEMS_URL
from ..forms import PageForm, submitted
from ..routes import checked_form, current_browser, page_error, redirected, render, see_other, takes_form
from ..security import Browser, new_browser_id
from ..sessions import end_session
from ..visitors import signed_in_user
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

blueprint = APIBlueprint("account_pages", __name__, doc_ui=False)
MAIL_ON_ITS_WAY = "If an account has this address, a mail is on its way to it: follow its link."
MAILED_LINKS: dict[str, tuple[str, Callable[[Session, Authority, str], None]]] = {
    RESET_MAIL_URL: ("account/reset.html", service.request_password_reset),
    VERIFY_MAIL_URL: ("account/verify.html", service.request_verification),
}
"""The forms that mail a new link, by URL: the page each is on, and the service call that mails its link."""


def signed_in(browser: Browser, user: User) -> Browser:
    """Start a page session for the account: the browser gets a new id, never the one it had before."""
    settings: Settings = current_app.extensions["settings"]
    session = database.session()
    token, row = new_page_session(user, settings)
    session.add(row)
    session.execute(purge_ended_sessions(utc_now()))
    session.commit()
    return replace(browser, id=token, is_new=True)


def signed_out(browser: Browser) -> Browser:
    """The browser with a new anonymous id, as after its session ended."""
    return replace(browser, id=new_browser_id(), is_new=True)


def current_user() -> User | Response:
    """The signed-in member's account, or the answer that sends the visitor to sign in."""
    user = signed_in_user()
    if user is None:
        return see_other(sign_in_url(request.path))
    return user


blueprint.register_error_handler(Exception, page_error)


@blueprint.route(SIGN_UP_URL, methods=["GET"])
def sign_up_page() -> Response:
    return render("account/sign_up.html", form_page(SignUpFields().typed(), {}))


@blueprint.route(SIGN_UP_URL, methods=["POST"])
@takes_form
def sign_up() -> Response:
    """Create a member account, as the API's registration does, and sign its browser in when it may sign in."""
    submission = on_field(submitted(checked_form(SignUpFields), Registration), "password")
    if submission.data is not None:
        authority = current_authority()
        admit(attempt_counter(), Attempt.registration(authority.settings, request_client_address()))
        try:
            user = service.register(database.session(), authority, submission.data.email, submission.data.password)
        except EmailTakenError as error:
            submission.refuse("email", error)
        else:
            wake_sender()
            if user is None:
                return redirected(SIGN_IN_URL, MAIL_ON_ITS_WAY)
            member = signed_in(current_browser(), user)
            return redirected(ITEMS_URL, f"Welcome, {user.email}: your account is ready.", member)
    return render("account/sign_up.html", form_page(submission.values, submission.errors), submission.status)


@blueprint.route(SIGN_IN_URL, methods=["GET"])
def sign_in_page() -> Response:
    context = form_page(SignInFields().typed(), {}, action=sign_in_url(request.args.get("next")))
    return render("account/sign_in.html", context)


@blueprint.route(SIGN_IN_URL, methods=["POST"])
@takes_form
def sign_in() -> Response:
    """Check the password under the token endpoint's limits, then start a page session under a new id."""
    submission = submitted(checked_form(SignInFields), SignIn)
    next_url = request.args.get("next")
    if submission.data is not None:
        authority = current_authority()
        attempt = Attempt.password_check(authority.settings, submission.data.email, request_client_address())
        counter = attempt_counter()
        admit(counter, attempt)
        try:
            user = service.signing_in_user(
                database.session(), authority, submission.data.email, submission.data.password
            )
        except OAuthError as error:
            refuse_form(submission, error.description, error.status)
        else:
            settle(counter, attempt)
            member = signed_in(current_browser(), user)
            return redirected(local_url(next_url, ITEMS_URL), f"Signed in as {user.email}.", member)
    context = form_page(submission.values, submission.errors, action=sign_in_url(next_url))
    return render("account/sign_in.html", context, submission.status)


@blueprint.route(SIGN_OUT_URL, methods=["POST"])
@takes_form
def sign_out() -> Response:
    """End the page session; the browser keeps no id of it."""
    checked_form(PageForm)
    browser, session = current_browser(), database.session()
    session.execute(end_session(PageSession, browser.id))
    session.commit()
    return redirected(SIGN_IN_URL, "Signed out.", signed_out(browser))


def account_page(user: User, values: dict[str, str], errors: dict[str, str]) -> dict[str, object]:
    return form_page(values, errors, email=user.email, email_verified=user.email_verified)


@blueprint.route(ACCOUNT_URL, methods=["GET"])
def account() -> Response:
    user = current_user()
    if isinstance(user, Response):
        return user
    return render("account/account.html", account_page(user, PasswordChangeFields().typed(), {}))


@blueprint.route(PASSWORD_URL, methods=["POST"])
@takes_form
def change_password() -> Response:
    """Change the password as the API does, which ends every session of the account; this browser starts a new
    one, as it has just given the password."""
    form = checked_form(PasswordChangeFields)
    user = current_user()
    if isinstance(user, Response):
        return user
    submission = submitted(form, PasswordChange)
    if submission.data is not None:
        try:
            service.change_password(
                database.session(),
                current_authority(),
                attempt_counter(),
                principal(user),
                submission.data,
                request_client_address(),
            )
        except WrongPasswordError as error:
            submission.refuse("current_password", error)
        except WeakPasswordError as error:
            submission.refuse("new_password", error)
        else:
            member = signed_in(current_browser(), user)
            return redirected(ACCOUNT_URL, "Password changed; every other session has ended.", member)
    context = account_page(user, submission.values, submission.errors)
    return render("account/account.html", context, submission.status)


@blueprint.route(DELETION_URL, methods=["GET"])
def confirm_deletion() -> Response:
    user = current_user()
    if isinstance(user, Response):
        return user
    return render("account/delete.html", account_page(user, DeletionFields().typed(), {}))


@blueprint.route(DELETION_URL, methods=["POST"])
@takes_form
def delete_account() -> Response:
    """Delete the account and everything it owns, given its password; its sessions go with it."""
    form = checked_form(DeletionFields)
    user = current_user()
    if isinstance(user, Response):
        return user
    submission = submitted(form, AccountDeletion)
    if submission.data is not None:
        try:
            service.delete_own_account(
                database.session(),
                current_authority(),
                attempt_counter(),
                principal(user),
                submission.data.current_password,
                request_client_address(),
            )
        except WrongPasswordError as error:
            submission.refuse("current_password", error)
        else:
            return redirected(SIGN_UP_URL, "Your account was deleted.", signed_out(current_browser()))
    context = account_page(user, submission.values, submission.errors)
    return render("account/delete.html", context, submission.status)


@blueprint.route(RESET_URL, methods=["GET"])
def reset_page() -> Response:
    """The page of a reset mail's link, which asks for the new password; without a token, the form that mails one."""
    token = request.args.get("token")
    fields = PasswordResetFields(token=token).typed() if token else EmailFields().typed()
    return render("account/reset.html", form_page(fields, {}))


@blueprint.route(RESET_MAIL_URL, methods=["POST"])
@blueprint.route(VERIFY_MAIL_URL, methods=["POST"])
@takes_form
def mail_link() -> Response:
    """Mail a new reset or verification link to the account of the address typed; the answer is the same for any
    address."""
    assert request.url_rule is not None  # a view runs for the rule it was routed by
    template, mail = MAILED_LINKS[request.url_rule.rule]
    submission = submitted(checked_form(EmailFields), MailRequest)
    if submission.data is None:
        return render(template, form_page(submission.values, submission.errors), 422)
    authority = current_authority()
    admit(attempt_counter(), Attempt.mail_request(authority.settings, submission.data.email, request_client_address()))
    mail(database.session(), authority, submission.data.email)
    wake_sender()
    return redirected(SIGN_IN_URL, MAIL_ON_ITS_WAY)


@blueprint.route(RESET_URL, methods=["POST"])
@takes_form
def reset_password() -> Response:
    """Set the new password of a reset link, once; every session of the account ends."""
    submission = submitted(checked_form(PasswordResetFields), PasswordReset)
    if submission.data is not None:
        try:
            service.reset_password(
                database.session(), current_authority(), submission.data.token, submission.data.new_password
            )
        except InvalidLinkError as error:
            refuse_form(submission, error.detail, error.status)
        except WeakPasswordError as error:
            submission.refuse("new_password", error)
        else:
            return redirected(SIGN_IN_URL, "Password changed: sign in with it.", signed_out(current_browser()))
    on_field(submission, "new_password")
    if "token" in submission.errors:
        refuse_form(submission, InvalidLinkError().detail, 400)
    return render("account/reset.html", form_page(submission.values, submission.errors), submission.status)


@blueprint.route(VERIFY_URL, methods=["GET"])
def verify_page() -> Response:
    """The page of a verification mail's link, whose button confirms the address (a link opened by a mail scanner
    confirms nothing); without a token, the form that mails a new link."""
    token = request.args.get("token")
    fields = VerificationFields(token=token).typed() if token else EmailFields().typed()
    return render("account/verify.html", form_page(fields, {}))


@blueprint.route(VERIFY_URL, methods=["POST"])
@takes_form
def verify_email() -> Response:
    submission = submitted(checked_form(VerificationFields), EmailVerification)
    if submission.data is not None:
        try:
            service.verify_email(database.session(), submission.data.token)
        except InvalidLinkError as error:
            refuse_form(submission, error.detail, error.status)
        else:
            return redirected(ACCOUNT_URL, "Your address is confirmed.")
    else:
        refuse_form(submission, InvalidLinkError().detail, 400)
    return render("account/verify.html", form_page(submission.values, submission.errors), submission.status)


blueprints = [blueprint]
