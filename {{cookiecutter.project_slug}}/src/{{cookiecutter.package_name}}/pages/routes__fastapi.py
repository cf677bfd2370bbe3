"""The pages' routes: the items as HTML, on the items' own service, left out of the API document."""

from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.types import Scope

from ..core.database import SessionDep
from ..core.errors import PreconditionFailedError
from ..items import service
from ..items.errors import ItemNameTakenError
from ..items.models import Item
from ..items.schemas import ItemCreate, ItemListQuery, ItemRead, ItemUpdate
from ..settings import Settings
from ..web.handlers import application_error, http_error, invalid_request
from ..web.problems import Problem
from . import ITEMS_URL, STATIC_FOLDER, STATIC_URL, item_url, shows_error_page
from .assets import VERSION_PARAMETER, cache_control
from .forms import DELETED_MEANWHILE, ItemChange, ItemFields, Submission, VersionedForm, checked_item_id, submitted
from .rendering import (
    ENVIRONMENT,
    RESULTS_TEMPLATE,
    deletion_page,
    edit_item_page,
    list_template,
    listing,
    new_item_page,
)
from .security import CONTENT_SECURITY_POLICY, CSRF_HEADER, Browser, csrf_token
from .visitors import CurrentPrincipal, current_principal

ITEM_URL = ITEMS_URL + "/{item_id:int}"
"""An item's page: an id that is not a number is no page (404), rather than an invalid request."""
templates = Jinja2Templates(env=ENVIRONMENT)


def page_key(request: Request) -> bytes:
    settings: Settings = request.app.state.settings
    return settings.page_signing_key


async def current_browser(request: Request) -> Browser:
    settings: Settings = request.app.state.settings
    secure = settings.page_cookies_secure(request.url.scheme)
    return Browser.of(request.cookies, secure, settings.page_signing_key)


CurrentBrowser = Annotated[Browser, Depends(current_browser)]


def render(request: Request, browser: Browser, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page, or the part of one that htmx asked for, with the CSRF token of this browser's forms."""
    key = page_key(request)
    page_context = {"csrf_token": csrf_token(key, browser.id), "flash": browser.flash, **context}
    headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY}
    response = templates.TemplateResponse(request, name, page_context, status, headers)
    browser.remember(response, key, shown=name != RESULTS_TEMPLATE)
    return response


def redirect(request: Request, browser: Browser, url: str, flash: str) -> Response:
    """Post/redirect/get: the browser loads ``url`` next, which shows ``flash``."""
    response = RedirectResponse(url, status_code=303)
    browser.remember(response, page_key(request), flash=flash)
    return response


async def error_page(request: Request, answer: Response) -> Response:
    """The page of an error that the API's handlers answered with a problem document, with its status and Allow."""
    problem = Problem.model_validate_json(bytes(answer.body))
    browser = await current_browser(request)
    response = render(request, browser, "error.html", {"problem": problem}, problem.status)
    if "allow" in answer.headers:
        response.headers["Allow"] = answer.headers["allow"]
    return response


class PageRoute(APIRoute):
    """A page's route: what its endpoint raises is answered with an error page, not with a problem document."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException:
                raise
            except RequestValidationError as error:
                return await error_page(request, await invalid_request(request, error))
            except Exception as error:
                return await error_page(request, await application_error(request, error))

        return page_handler


async def page_or_problem(request: Request, exc: Exception) -> Response:
    """The framework's HTTP errors, such as an unknown URL: a page for a browser on the pages' URLs, a problem
    document elsewhere."""
    answer = await http_error(request, exc)
    return (
        await error_page(request, answer)
        if shows_error_page(request.url.path, request.headers.get("accept"))
        else answer
    )


async def checked_browser(request: Request, browser: CurrentBrowser) -> Browser:
    """This browser, once the unsafe request has shown that one of its own pages sent it: before anything is read,
    so that a forged request learns nothing, not even whether an item exists."""
    sent = (await request.form()).get("csrf_token")
    token = sent if isinstance(sent, str) and sent else request.headers.get(CSRF_HEADER)
    browser.check(request.method, request.headers, token, page_key(request))
    return browser


CheckedBrowser = Annotated[Browser, Depends(checked_browser)]


async def current_item(item_id: int, principal: CurrentPrincipal, session: SessionDep) -> ItemRead:
    """The item of the page's URL, if the caller may see it."""
    return await service.read_item(session, principal, checked_item_id(item_id))


CurrentItem = Annotated[ItemRead, Depends(current_item)]


async def saved_item(submission: Submission, save: Callable[[Any], Awaitable[Item]]) -> Item | None:
    """The item that the form's model saves, or ``None`` when the form is to be shown again: a field fails or the name
    is taken (with the message next to its field), or the item changed after the form was opened."""
    if submission.data is None:
        return None
    try:
        return await save(submission.data)
    except ItemNameTakenError as error:
        submission.refuse("name", error)
    except PreconditionFailedError:
        submission.refuse_stale()
    return None


router = APIRouter(include_in_schema=False, route_class=PageRoute, dependencies=[Depends(current_principal)])
"""Every page is for the principal of the visitor, who is found before a form's token is checked."""


@router.get("/")
async def home() -> Response:
    return RedirectResponse(ITEMS_URL, status_code=303)


@router.get(ITEMS_URL)
async def list_items(
    request: Request,
    query: Annotated[ItemListQuery, Query()],
    browser: CurrentBrowser,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> Response:
    """The list, or only its results for htmx's live search."""
    context = listing(await service.list_items(session, principal, query), query)
    response = render(request, browser, list_template(request.headers), context)
    response.headers["Vary"] = "HX-Request"
    return response


@router.get(f"{ITEMS_URL}/new")
async def new_item(request: Request, browser: CurrentBrowser) -> Response:
    context = new_item_page(Submission(ItemFields().typed()))
    return render(request, browser, "items/form.html", context)


@router.post(ITEMS_URL)
async def create_item(
    request: Request,
    browser: CheckedBrowser,
    form: Annotated[ItemFields, Form()],
    principal: CurrentPrincipal,
    session: SessionDep,
) -> Response:
    submission = submitted(form, ItemCreate)
    item = await saved_item(submission, lambda data: service.create_item(session, principal, data))
    if item is None:
        context = new_item_page(submission)
        return render(request, browser, "items/form.html", context, submission.status)
    return redirect(request, browser, item_url(item.id), f"Created “{item.name}”.")


@router.get(ITEM_URL)
async def read_item(request: Request, item: CurrentItem, browser: CurrentBrowser) -> Response:
    return render(request, browser, "items/item.html", {"item": item})


@router.get(f"{ITEM_URL}/edit")
async def edit_item(request: Request, item: CurrentItem, browser: CurrentBrowser) -> Response:
    context = edit_item_page(item, Submission(ItemChange.shown(item)))
    return render(request, browser, "items/form.html", context)


@router.post(f"{ITEM_URL}/edit")
async def update_item(
    request: Request,
    browser: CheckedBrowser,
    item: CurrentItem,
    form: Annotated[ItemChange, Form()],
    principal: CurrentPrincipal,
    session: SessionDep,
) -> Response:
    submission = submitted(form, ItemUpdate)
    changed = await saved_item(
        submission, lambda data: service.update_item(session, principal, item.id, data, form.precondition())
    )
    if changed is None:
        shown = await current_item(item.id, principal, session) if submission.stale else item
        context = edit_item_page(shown, submission)
        return render(request, browser, "items/form.html", context, submission.status)
    return redirect(request, browser, item_url(changed.id), f"Saved “{changed.name}”.")


@router.get(f"{ITEM_URL}/delete")
async def confirm_deletion(request: Request, item: CurrentItem, browser: CurrentBrowser) -> Response:
    return render(request, browser, "items/delete.html", deletion_page(item))


@router.post(f"{ITEM_URL}/delete")
async def delete_item(
    request: Request,
    browser: CheckedBrowser,
    item: CurrentItem,
    form: Annotated[VersionedForm, Form()],
    principal: CurrentPrincipal,
    session: SessionDep,
) -> Response:
    """Delete the item, while it is still as the confirmation showed it."""
    try:
        await service.delete_item(session, principal, item.id, form.precondition())
    except PreconditionFailedError:
        context = deletion_page(await current_item(item.id, principal, session), DELETED_MEANWHILE)
        return render(request, browser, "items/delete.html", context, 412)
    return redirect(request, browser, ITEMS_URL, f"Deleted “{item.name}”.")


class VersionedStaticFiles(StaticFiles):
    """Static files, kept by browsers as long as the URL names their current version."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        requested_version = QueryParams(scope["query_string"]).get(VERSION_PARAMETER)
        response.headers["Cache-Control"] = cache_control(path, requested_version)
        return response


def init_app(app: FastAPI, settings: Settings) -> None:
    """Serve htmx and the style sheet, and answer the framework's errors on the pages' URLs with pages."""
    app.mount(STATIC_URL, VersionedStaticFiles(directory=STATIC_FOLDER), name="static")
    app.add_exception_handler(HTTPException, page_or_problem)


routers = [router]
