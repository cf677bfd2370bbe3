"""The pages' routes: the items as HTML, on the items' own service, left out of the API document."""

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, request, send_from_directory
from flask_openapi.blueprint import APIBlueprint
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from ..core import database
from ..core.errors import PreconditionFailedError
from ..items import service
from ..items.errors import ItemNameTakenError
from ..items.models import Item
from ..items.schemas import ItemCreate, ItemListQuery, ItemRead, ItemUpdate
from ..settings import Settings
from ..web import handlers
from ..web.compat import TAKES_FORM
from ..web.problems import Problem
from . import ITEMS_URL, STATIC_FOLDER, STATIC_URL, item_url, shows_error_page
from .assets import VERSION_PARAMETER, cache_control
from .forms import (
    DELETED_MEANWHILE,
    ItemChange,
    ItemFields,
    PageForm,
    Submission,
    VersionedForm,
    checked_item_id,
    submitted,
)
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
from .visitors import current_principal, guarded_blueprint

ITEM_URL = f"{ITEMS_URL}/<int:item_id>"
"""An item's page: an id that is not a number is no page (404), rather than an invalid request."""
blueprint: APIBlueprint = guarded_blueprint("pages", __name__, doc_ui=False)
assets = APIBlueprint("assets", __name__, doc_ui=False)
"""htmx and the style sheet: files, not pages, whose errors are answered as any URL's outside the pages."""


def page_key() -> bytes:
    settings: Settings = current_app.extensions["settings"]
    return settings.page_signing_key


def current_browser() -> Browser:
    settings: Settings = current_app.extensions["settings"]
    secure = settings.page_cookies_secure(request.scheme)
    return Browser.of(request.cookies, secure, settings.page_signing_key)


def render(name: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page, or the part of one that htmx asked for, with the CSRF token of this browser's forms."""
    browser, key = current_browser(), page_key()
    page_context = {"csrf_token": csrf_token(key, browser.id), "flash": browser.flash, **context}
    html = ENVIRONMENT.get_template(name).render(page_context)
    response = Response(html, status, {"Content-Security-Policy": CONTENT_SECURITY_POLICY}, mimetype="text/html")
    browser.remember(response, key, shown=name != RESULTS_TEMPLATE)
    return response


def see_other(url: str) -> Response:
    return Response(status=303, headers={"Location": url})


def redirected(url: str, flash: str, browser: Browser | None = None) -> Response:
    """Post/redirect/get: the browser loads ``url`` next, which shows ``flash``; with ``browser``, under its id (new
    when it signed in or out)."""
    response = see_other(url)
    (browser or current_browser()).remember(response, page_key(), flash=flash)
    return response


def error_page(answer: Response) -> Response:
    """The page of an error that the API's handlers answered with a problem document, with its status and Allow."""
    problem = Problem.model_validate_json(answer.get_data())
    response = render("error.html", {"problem": problem}, problem.status)
    if "Allow" in answer.headers:
        response.headers["Allow"] = answer.headers["Allow"]
    return response


def page_or_problem(error: Exception) -> Response:
    """Every error: a page for the pages' own routes, and for a browser on their URLs (an unknown one, say); the API's
    problem document elsewhere."""
    page = request.blueprint == blueprint.name or shows_error_page(request.path, request.headers.get("Accept"))
    if isinstance(error, ValidationError) and page:
        return error_page(handlers.invalid_request(error))
    return page_error(error) if page else problem(error)


def problem(error: Exception) -> Response:
    return handlers.http_error(error) if isinstance(error, HTTPException) else handlers.application_error(error)


def page_error(error: Exception) -> Response:
    """The page of an error, whatever the client asked for: what a blueprint of pages answers every error with."""
    return error_page(problem(error))


def takes_form(view: Callable[..., Response]) -> Callable[..., Response]:
    """Mark a view that reads a form body, for the body guard."""
    setattr(view, TAKES_FORM, True)
    return view


def checked_form(form_class: type[PageForm]) -> Any:
    """The posted form, refused unless this browser's own page sent it."""
    form = form_class.model_validate(request.form.to_dict())
    token = form.csrf_token or request.headers.get(CSRF_HEADER)
    current_browser().check(request.method, request.headers, token, page_key())
    return form


def visible_item(item_id: int) -> ItemRead:
    """The item of the page's URL, if the caller may see it."""
    return service.read_item(database.session(), current_principal(), checked_item_id(item_id))


def saved_item(submission: Submission, save: Callable[[Any], Item]) -> Item | None:
    """The item that the form's model saves, or ``None`` when the form is to be shown again: a field fails or the name
    is taken (with the message next to its field), or the item changed after the form was opened."""
    if submission.data is None:
        return None
    try:
        return save(submission.data)
    except ItemNameTakenError as error:
        submission.refuse("name", error)
    except PreconditionFailedError:
        submission.refuse_stale()
    return None


@assets.route(f"{STATIC_URL}/<path:filename>", methods=["GET"])
def static_file(filename: str) -> Response:
    """htmx and the style sheet (a view of its own: Flask's static view is annotated for type checkers only)."""
    response = send_from_directory(STATIC_FOLDER, filename)
    response.headers["Cache-Control"] = cache_control(filename, request.args.get(VERSION_PARAMETER))
    return response


@blueprint.route("/", methods=["GET"])
def home() -> Response:
    return see_other(ITEMS_URL)


@blueprint.route(ITEMS_URL, methods=["GET"])
def list_items() -> Response:
    """The list, or only its results for htmx's live search."""
    query = ItemListQuery.model_validate(request.args.to_dict())
    context = listing(service.list_items(database.session(), current_principal(), query), query)
    response = render(list_template(request.headers), context)
    response.vary.add("HX-Request")
    return response


@blueprint.route(f"{ITEMS_URL}/new", methods=["GET"])
def new_item() -> Response:
    return render("items/form.html", new_item_page(Submission(ItemFields().typed())))


@blueprint.route(ITEMS_URL, methods=["POST"])
@takes_form
def create_item() -> Response:
    submission = submitted(checked_form(ItemFields), ItemCreate)
    item = saved_item(submission, lambda data: service.create_item(database.session(), current_principal(), data))
    if item is None:
        return render("items/form.html", new_item_page(submission), submission.status)
    return redirected(item_url(item.id), f"Created “{item.name}”.")


@blueprint.route(ITEM_URL, methods=["GET"])
def read_item(item_id: int) -> Response:
    item = visible_item(item_id)
    return render("items/item.html", {"item": item})


@blueprint.route(f"{ITEM_URL}/edit", methods=["GET"])
def edit_item(item_id: int) -> Response:
    item = visible_item(item_id)
    return render("items/form.html", edit_item_page(item, Submission(ItemChange.shown(item))))


@blueprint.route(f"{ITEM_URL}/edit", methods=["POST"])
@takes_form
def update_item(item_id: int) -> Response:
    form = checked_form(ItemChange)
    item = visible_item(item_id)
    submission = submitted(form, ItemUpdate)
    changed = saved_item(
        submission,
        lambda data: service.update_item(database.session(), current_principal(), item.id, data, form.precondition()),
    )
    if changed is None:
        shown = visible_item(item_id) if submission.stale else item
        return render("items/form.html", edit_item_page(shown, submission), submission.status)
    return redirected(item_url(changed.id), f"Saved “{changed.name}”.")


@blueprint.route(f"{ITEM_URL}/delete", methods=["GET"])
def confirm_deletion(item_id: int) -> Response:
    return render("items/delete.html", deletion_page(visible_item(item_id)))


@blueprint.route(f"{ITEM_URL}/delete", methods=["POST"])
@takes_form
def delete_item(item_id: int) -> Response:
    form = checked_form(VersionedForm)
    item = visible_item(item_id)
    try:
        service.delete_item(database.session(), current_principal(), item.id, form.precondition())
    except PreconditionFailedError:
        return render("items/delete.html", deletion_page(visible_item(item_id), DELETED_MEANWHILE), 412)
    return redirected(ITEMS_URL, f"Deleted “{item.name}”.")


def init_app(app: Flask, settings: Settings) -> None:
    """Answer every error on the pages' URLs with a page; the API's handlers answer elsewhere."""
    app.register_error_handler(HTTPException, page_or_problem)
    app.register_error_handler(Exception, page_or_problem)


blueprints = [blueprint, assets]
