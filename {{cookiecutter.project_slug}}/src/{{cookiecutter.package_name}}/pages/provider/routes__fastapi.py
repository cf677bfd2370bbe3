"""The pages' sign-in with the provider: the sign-in page, the way to the provider and back, the member's page and
sign-out."""

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from ...auth.authority import Authority
from ...auth.guard import get_authority
from ...core.database import SessionDep
from ...core.models import utc_now
from ...settings import Settings
from .. import ITEMS_URL
from ..forms import PageForm
from ..routes import CheckedBrowser, CurrentBrowser, PageRoute, page_key, redirect, render
from ..security import cookie_options, new_browser_id
from ..sessions import ACCOUNT_URL, SIGN_IN_URL, SIGN_OUT_URL, end_session, local_url
from ..visitors import CurrentMember, SignInRequiredError
from . import CALLBACK_URL, PROVIDER_URL
from .flow import PENDING_SECONDS, PendingSignIn, authorization_url, checked_member, pending_cookie
from .sessions import PageSession, new_page_session, purge_ended_sessions

router = APIRouter(include_in_schema=False, route_class=PageRoute)
AuthorityDep = Annotated[Authority, Depends(get_authority)]


def redirect_uri(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return settings.oidc_redirect_url or str(request.base_url).rstrip("/") + CALLBACK_URL


async def on_sign_in_required(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequiredError)  # the one error this handler is added for
    return RedirectResponse(error.location, status_code=303)


@router.get(SIGN_IN_URL)
async def sign_in_page(request: Request, browser: CurrentBrowser, next: str | None = None) -> Response:
    query = f"?{request.url.query}" if next else ""
    return render(request, browser, "account/sign_in.html", {"provider_url": PROVIDER_URL + query})


@router.get(PROVIDER_URL)
async def to_provider(
    request: Request, browser: CurrentBrowser, authority: AuthorityDep, next: str | None = None
) -> Response:
    """Send the browser to the provider's authorization endpoint, with what it must bring back in a cookie."""
    settings: Settings = request.app.state.settings
    next_url = local_url(next, ITEMS_URL)
    url, pending = await run_in_threadpool(authorization_url, authority, settings, redirect_uri(request), next_url)
    response = RedirectResponse(url, status_code=303)
    name, options = pending_cookie(browser.secure), cookie_options(browser.secure)
    response.set_cookie(name, pending.sealed(page_key(request)), max_age=PENDING_SECONDS, **options)
    return response


@router.get(CALLBACK_URL)
async def from_provider(
    request: Request, browser: CurrentBrowser, authority: AuthorityDep, session: SessionDep
) -> Response:
    """Check the provider's answer, then start a page session under a new id: never the one the browser had."""
    settings: Settings = request.app.state.settings
    name = pending_cookie(browser.secure)
    pending = PendingSignIn.unsealed(page_key(request), request.cookies.get(name))
    answer = dict(request.query_params)
    member = await run_in_threadpool(checked_member, authority, settings, pending, answer, redirect_uri(request))
    token, row = new_page_session(member, settings)
    session.add(row)
    await session.execute(purge_ended_sessions(utc_now()))
    await session.commit()
    response = redirect(
        request, replace(browser, id=token, is_new=True), pending.next_url, f"Signed in as {member.name}."
    )
    response.delete_cookie(name, **cookie_options(browser.secure))
    return response


@router.get(ACCOUNT_URL)
async def account(request: Request, browser: CurrentBrowser, member: CurrentMember) -> Response:
    return render(request, browser, "account/account.html", {"name": member.name, "subject": member.subject})


@router.post(SIGN_OUT_URL)
async def sign_out(
    request: Request, browser: CheckedBrowser, form: Annotated[PageForm, Form()], session: SessionDep
) -> Response:
    """End the page session; the browser keeps no id of it. The form carries nothing but its token."""
    await session.execute(end_session(PageSession, browser.id))
    await session.commit()
    return redirect(request, replace(browser, id=new_browser_id(), is_new=True), SIGN_IN_URL, "Signed out.")


def init_app(app: FastAPI, settings: Settings) -> None:
    """Send a visitor who is not signed in from a member's page to the sign-in page."""
    app.add_exception_handler(SignInRequiredError, on_sign_in_required)


routers = [router]
