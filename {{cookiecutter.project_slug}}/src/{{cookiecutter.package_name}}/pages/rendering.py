"""The one Jinja environment of the pages, and what their templates are given beside the service's answers."""

from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .. import TITLE
from ..items.schemas import ItemListQuery, ItemPage, ItemRead
from . import ITEMS_URL, TEMPLATES_FOLDER, item_url
from .assets import static_url
from .forms import Submission
from .security import Headers

ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES_FOLDER),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
"""Every value is escaped, and a name the template does not get is an error rather than an empty string."""
ENVIRONMENT.globals.update(site_title=TITLE, items_url=ITEMS_URL, static_url=static_url)
RESULTS_TEMPLATE = "items/_results.html"
"""The part of the list that the live search replaces."""


def list_template(headers: Headers) -> str:
    """The whole list, or only its results for htmx's live search; htmx restoring a page from the history wants the
    whole page."""
    if headers.get("HX-Request") is not None and headers.get("HX-History-Restore-Request") is None:
        return RESULTS_TEMPLATE
    return "items/list.html"


def list_url(query: ItemListQuery, offset: int) -> str:
    """The list at another offset, with the same search and page size."""
    parameters = {"q": query.q or None, "limit": query.limit, "offset": offset}
    return f"{ITEMS_URL}?{urlencode({key: value for key, value in parameters.items() if value is not None})}"


def listing(page: ItemPage, query: ItemListQuery) -> dict[str, Any]:
    """What the list shows: the page of items, the search, and the links to the pages before and after it."""
    before = max(page.offset - page.limit, 0)
    after = page.offset + page.limit
    return {
        "page": page,
        "q": query.q or "",
        "previous_url": list_url(query, before) if page.offset > 0 else None,
        "next_url": list_url(query, after) if after < page.total else None,
    }


def form_page(heading: str, action: str, cancel_url: str, submission: Submission) -> dict[str, Any]:
    """An item's form: the text typed, each field's message, and the first field in error, which takes the focus."""
    return {
        "heading": heading,
        "action": action,
        "submit": heading,
        "cancel_url": cancel_url,
        "values": submission.values,
        "errors": submission.errors,
        "summary": submission.summary,
        "first_error": next((name for name in submission.values if name in submission.errors), None),
    }


def new_item_page(submission: Submission) -> dict[str, Any]:
    return form_page("New item", ITEMS_URL, ITEMS_URL, submission)


def edit_item_page(item: ItemRead, submission: Submission) -> dict[str, Any]:
    """An item's edit form; when the item changed after the form was opened, at the item's version now, so that the
    text typed can be saved over the other change once its author has seen the warning."""
    if submission.stale:
        submission.values["version"] = item.version
    return form_page(f"Edit {item.name}", f"{item_url(item.id)}/edit", item_url(item.id), submission)


def deletion_page(item: ItemRead, summary: str | None = None) -> dict[str, Any]:
    """The confirmation of an item's deletion, at the version it shows."""
    return {"item": item, "summary": summary}
