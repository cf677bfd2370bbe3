"""The pages' sign-in with the provider: the sign-in page, the way to the provider and back, the member's page and
sign-out."""

from dataclasses import replace

from flask import Response, current_app, request
from flask_openapi.blueprint import APIBlueprint

from ...auth.guard import current_authority
from ...core import database
from ...core.models import utc_now
from ...settings import Settings
from .. import ITEMS_URL
from ..forms import PageForm
from ..routes import checked_form, current_browser, page_error, page_key, redirected, render, see_other, takes_form
from ..security import cookie_options, new_browser_id
from ..sessions import ACCOUNT_URL, SIGN_IN_URL, SIGN_OUT_URL, end_session, local_url, sign_in_url
from ..visitors import signed_in_member
from . import CALLBACK_URL, PROVIDER_URL
from .flow import PENDING_SECONDS, PendingSignIn, authorization_url, checked_member, pending_cookie
from .sessions import PageSession, new_page_session, purge_ended_sessions

blueprint = APIBlueprint("provider_pages", __name__, doc_ui=False)


def settings() -> Settings:
    found: Settings = current_app.extensions["settings"]
    return found


def redirect_uri() -> str:
    return settings().oidc_redirect_url or request.host_url.rstrip("/") + CALLBACK_URL


blueprint.register_error_handler(Exception, page_error)


@blueprint.route(SIGN_IN_URL, methods=["GET"])
def sign_in_page() -> Response:
    query = f"?{request.query_string.decode()}" if request.args.get("next") else ""
    return render("account/sign_in.html", {"provider_url": PROVIDER_URL + query})


@blueprint.route(PROVIDER_URL, methods=["GET"])
def to_provider() -> Response:
    """Send the browser to the provider's authorization endpoint, with what it must bring back in a cookie."""
    next_url = local_url(request.args.get("next"), ITEMS_URL)
    url, pending = authorization_url(current_authority(), settings(), redirect_uri(), next_url)
    response, browser = see_other(url), current_browser()
    name, options = pending_cookie(browser.secure), cookie_options(browser.secure)
    response.set_cookie(name, pending.sealed(page_key()), max_age=PENDING_SECONDS, **options)
    return response


@blueprint.route(CALLBACK_URL, methods=["GET"])
def from_provider() -> Response:
    """Check the provider's answer, then start a page session under a new id: never the one the browser had."""
    browser, name = current_browser(), pending_cookie(current_browser().secure)
    pending = PendingSignIn.unsealed(page_key(), request.cookies.get(name))
    member = checked_member(current_authority(), settings(), pending, request.args.to_dict(), redirect_uri())
    token, row = new_page_session(member, settings())
    session = database.session()
    session.add(row)
    session.execute(purge_ended_sessions(utc_now()))
    session.commit()
    response = redirected(pending.next_url, f"Signed in as {member.name}.", replace(browser, id=token, is_new=True))
    response.delete_cookie(name, **cookie_options(browser.secure))
    return response


@blueprint.route(ACCOUNT_URL, methods=["GET"])
def account() -> Response:
    member = signed_in_member()
    if member is None:
        return see_other(sign_in_url(request.path))
    return render("account/account.html", {"name": member.name, "subject": member.subject})


@blueprint.route(SIGN_OUT_URL, methods=["POST"])
@takes_form
def sign_out() -> Response:
    """End the page session; the browser keeps no id of it. The form carries nothing but its token."""
    checked_form(PageForm)
    browser, session = current_browser(), database.session()
    session.execute(end_session(PageSession, browser.id))
    session.commit()
    return redirected(SIGN_IN_URL, "Signed out.", replace(browser, id=new_browser_id(), is_new=True))


blueprints = [blueprint]
