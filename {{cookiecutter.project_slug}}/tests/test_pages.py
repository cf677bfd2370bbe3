"""The pages: the items as HTML beside the API, validated by its models, guarded by CSRF tokens and a strict policy."""

import json
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import httpx2
import pytest

from {{ cookiecutter.package_name }}.items import URL as ITEMS_API
from {{ cookiecutter.package_name }}.pages.forms import ItemChange, ItemFields
from {{ cookiecutter.package_name }}.pages.security import CONTENT_SECURITY_POLICY
from {{ cookiecutter.package_name }}.settings import Settings

from .helpers import assert_problem, create
from .pages import OPEN_PAGE, WITHOUT_COOKIE, opening_pages

ITEMS = "/items"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
"""What a browser asks for when it opens a page."""
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture
def client(client: httpx2.Client) -> Iterator[httpx2.Client]:
    """The API's client, which opens the pages as the same principal."""
    with opening_pages(client):
        yield client


class Page(HTMLParser):
    """What the tests read from a page: its elements with their attributes, and the text of each element by id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.inline_scripts = 0
        self._open_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        self._open_script = tag == "script" and "src" not in attributes

    def handle_data(self, data: str) -> None:
        if self._open_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._open_script = False

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attributes for name, attributes in self.elements if name == tag]

    def by_id(self, element_id: str) -> dict[str, str]:
        return next(attributes for _, attributes in self.elements if attributes.get("id") == element_id)


def html_page(response: httpx2.Response, status: int = 200) -> Page:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    return Page(response.text)


def token(client: httpx2.Client, url: str = f"{ITEMS}/new") -> str:
    """The CSRF token of a form, which also gives the client its browser cookie."""
    found = TOKEN.search(client.get(url).text)
    assert found is not None
    return found[1]


def post_form(client: httpx2.Client, url: str, **fields: str) -> httpx2.Response:
    return client.post(url, data={"csrf_token": token(client), **fields})


def shown_version(client: httpx2.Client, url: str) -> str:
    """The version of the item that the form at ``url`` was opened at, which the form posts back."""
    return next(field["value"] for field in html_page(client.get(url)).all("input") if field["name"] == "version")


def item_id(response: httpx2.Response) -> int:
    assert response.status_code == 303, response.text
    found = re.fullmatch(rf"{ITEMS}/(\d+)", response.headers["location"])
    assert found is not None
    return int(found[1])


def test_the_home_page_is_the_list(client: httpx2.Client) -> None:
    response = client.get("/")

    assert response.status_code == 303
    assert response.headers["location"] == ITEMS


def test_the_list_pages_and_searches(client: httpx2.Client) -> None:
    for name in ("Apple", "Apricot", "Banana"):
        create(client, ITEMS_API, name=name)

    first = client.get(ITEMS, params={"limit": 2})
    second = client.get(ITEMS, params={"limit": 2, "offset": 2})
    searched = client.get(ITEMS, params={"q": "Ap"})

    assert "Apple" in first.text
    assert "Apricot" in first.text
    assert "Banana" not in first.text
    assert [link["href"] for link in html_page(first).all("a") if link.get("rel") == "next"] == [
        f"{ITEMS}?limit=2&offset=2"
    ]
    assert "Banana" in second.text
    assert "Apple" not in second.text
    assert [link["href"] for link in html_page(second).all("a") if link.get("rel") == "prev"] == [
        f"{ITEMS}?limit=2&offset=0"
    ]
    assert "Apple" in searched.text
    assert "Banana" not in searched.text
    search = html_page(searched).by_id("q")
    assert search["value"] == "Ap"
    assert search["hx-get"] == ITEMS
    assert search["hx-target"] == "#results"


def test_the_live_search_answers_only_the_results(client: httpx2.Client) -> None:
    create(client, ITEMS_API, name="Widget")

    response = client.get(ITEMS, params={"q": "Wid"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert 'id="results"' not in response.text, "htmx swaps the results into the live region that holds them"
    assert "<html" not in response.text
    assert "Widget" in response.text
    assert "HX-Request" in response.headers["vary"]


def test_a_page_restored_from_htmxs_history_is_whole(client: httpx2.Client) -> None:
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}

    html_page(client.get(ITEMS, params={"q": "Wid"}, headers=headers))


def test_a_created_item_redirects_with_303_and_the_next_page_says_so(client: httpx2.Client) -> None:
    response = post_form(client, ITEMS, name="Widget", description="Small.", quantity="3")

    created = item_id(response)
    shown = client.get(response.headers["location"])
    again = client.get(response.headers["location"])
    item = client.get(f"{ITEMS_API}/{created}").json()

    assert item["name"] == "Widget"
    assert item["description"] == "Small."
    assert item["quantity"] == 3
    assert "Created “Widget”." in shown.text
    assert "Created “Widget”." not in again.text


def test_an_invalid_field_shows_the_models_message_next_to_it_and_keeps_what_was_typed(
    client: httpx2.Client,
) -> None:
    response = post_form(client, ITEMS, name=" ", description="Kept.", quantity="-1")

    page = html_page(response, 422)
    assert ">Kept.</textarea>" in response.text

    name, quantity = page.by_id("name"), page.by_id("quantity")
    assert name["aria-invalid"] == "true"
    assert "name-error" in name["aria-describedby"].split()
    assert quantity["aria-invalid"] == "true"
    assert quantity["value"] == "-1"
    assert "autofocus" in name
    assert "autofocus" not in quantity
    assert "aria-invalid" not in page.by_id("description")
    assert client.get(ITEMS_API).json()["total"] == 0


def test_the_message_is_the_api_models_own(client: httpx2.Client) -> None:
    response = post_form(client, ITEMS, name="Widget", quantity="many")
    api = client.post(ITEMS_API, json={"name": "Widget", "quantity": "many"})

    message = assert_problem(api, 422)["errors"][0]["msg"]
    assert response.status_code == 422
    assert f'<p class="error" id="quantity-error">{message}</p>' in response.text
    assert 'value="many"' in response.text


def test_a_taken_name_is_the_services_error_on_the_page(client: httpx2.Client) -> None:
    create(client, ITEMS_API, name="Widget")

    response = post_form(client, ITEMS, name="Widget")

    page = html_page(response, 409)
    assert page.by_id("name")["aria-invalid"] == "true"
    assert "An item named &#39;Widget&#39; already exists." in response.text


def test_an_item_is_edited(client: httpx2.Client) -> None:
    item = create(client, ITEMS_API, name="Widget", quantity=1)
    edit = f"{ITEMS}/{item['id']}/edit"

    form = html_page(client.get(edit))
    version = shown_version(client, edit)
    invalid = post_form(client, edit, version=version, name="", quantity="2")
    response = post_form(client, edit, version=version, name="Gadget", description="", quantity="")

    assert form.by_id("name")["value"] == "Widget"
    assert f'name="version" value="{version}"' in invalid.text, "a form shown again keeps the version it was opened at"
    assert invalid.status_code == 422
    assert item_id(response) == item["id"]
    changed = client.get(f"{ITEMS_API}/{item['id']}").json()
    assert (changed["name"], changed["description"], changed["quantity"]) == ("Gadget", None, 1)
    assert "Saved “Gadget”." in client.get(response.headers["location"]).text


def test_a_name_taken_on_edit_is_refused(client: httpx2.Client) -> None:
    create(client, ITEMS_API, name="Taken")
    item = create(client, ITEMS_API, name="Widget")
    edit = f"{ITEMS}/{item['id']}/edit"

    response = post_form(client, edit, version=shown_version(client, edit), name="Taken")

    assert response.status_code == 409
    assert "already exists" in response.text


def test_an_item_is_deleted_after_a_confirmation(client: httpx2.Client) -> None:
    item = create(client, ITEMS_API, name="Widget")
    delete = f"{ITEMS}/{item['id']}/delete"

    confirmation = html_page(client.get(delete))
    response = post_form(client, delete, version=shown_version(client, delete))

    assert [form["action"] for form in confirmation.all("form")] == [delete]
    assert response.status_code == 303
    assert response.headers["location"] == ITEMS
    assert client.get(f"{ITEMS_API}/{item['id']}").status_code == 404
    assert "Deleted “Widget”." in client.get(ITEMS).text


def test_an_edit_of_an_item_changed_meanwhile_is_refused_and_keeps_the_text_typed(client: httpx2.Client) -> None:
    item = create(client, ITEMS_API, name="Widget", quantity=1)
    edit = f"{ITEMS}/{item['id']}/edit"
    opened_at = shown_version(client, edit)
    theirs = client.patch(f"{ITEMS_API}/{item['id']}", json={"quantity": 2})

    refused = post_form(client, edit, version=opened_at, name="Gadget")
    page = html_page(refused, 412)
    current = client.get(f"{ITEMS_API}/{item['id']}")
    saved_over = post_form(client, edit, version=shown_version(client, edit), name="Gadget")

    assert "Someone else changed this item" in refused.text
    assert page.by_id("name")["value"] == "Gadget"
    assert f'name="version" value="{theirs.headers["etag"].strip(chr(34))}"' in refused.text
    assert (current.json()["name"], current.json()["quantity"]) == ("Widget", 2), "nothing of the stale form was saved"
    assert item_id(saved_over) == item["id"]
    assert client.get(f"{ITEMS_API}/{item['id']}").json()["name"] == "Gadget"


@pytest.mark.parametrize("version", ["", "0" * 16, "not-a-version"])
def test_a_form_without_the_version_shown_changes_nothing(client: httpx2.Client, version: str) -> None:
    item = create(client, ITEMS_API, name="Widget")

    edited = post_form(client, f"{ITEMS}/{item['id']}/edit", version=version, name="Gadget")
    deleted = post_form(client, f"{ITEMS}/{item['id']}/delete", version=version)

    html_page(edited, 412)
    html_page(deleted, 412)
    assert client.get(f"{ITEMS_API}/{item['id']}").json()["name"] == "Widget"


def test_a_deletion_of_an_item_changed_meanwhile_is_refused(client: httpx2.Client) -> None:
    item = create(client, ITEMS_API, name="Widget")
    delete = f"{ITEMS}/{item['id']}/delete"
    confirmed_at = shown_version(client, delete)
    client.patch(f"{ITEMS_API}/{item['id']}", json={"name": "Gadget"})

    refused = post_form(client, delete, version=confirmed_at)
    kept = client.get(f"{ITEMS_API}/{item['id']}")
    deleted = post_form(client, delete, version=shown_version(client, delete))

    html_page(refused, 412)
    assert "it was not deleted" in refused.text
    assert "Gadget" in refused.text, "the confirmation shows the item as it is now"
    assert kept.status_code == 200
    assert deleted.status_code == 303
    assert client.get(f"{ITEMS_API}/{item['id']}").status_code == 404


@pytest.mark.parametrize("path", [f"{ITEMS}/999999", f"{ITEMS}/99999999999/edit", f"{ITEMS}/1/delete", "/nowhere"])
def test_a_missing_item_or_page_is_a_404_page(client: httpx2.Client, path: str) -> None:
    page = html_page(client.get(path, headers=BROWSER), 404)

    assert len(page.all("h1")) == 1


def test_an_unanswered_method_is_a_405_page_with_allow(client: httpx2.Client) -> None:
    response = client.put(ITEMS, headers=BROWSER)

    html_page(response, 405)
    assert response.headers["allow"] == "GET, HEAD, POST"


def test_an_invalid_query_is_a_422_page(client: httpx2.Client) -> None:
    html_page(client.get(ITEMS, params={"limit": 0}), 422)


@pytest.mark.parametrize(
    "fields",
    [{}, {"csrf_token": ""}, {"csrf_token": "0" * 64}, {"csrf_token": "é"}],
    ids=["missing", "empty", "wrong", "not-ascii"],
)
def test_a_form_without_this_browsers_token_is_a_403_page(client: httpx2.Client, fields: dict[str, str]) -> None:
    token(client)

    response = client.post(ITEMS, data={"name": "Widget", **fields})

    html_page(response, 403)
    assert client.get(ITEMS_API).json()["total"] == 0


def test_a_browser_without_its_cookie_is_refused(client: httpx2.Client) -> None:
    form_token = token(client)
    client.cookies.clear()

    response = client.post(ITEMS, data={"name": "Widget", "csrf_token": form_token})

    assert response.status_code == WITHOUT_COOKIE, response.text
    assert client.get(ITEMS_API).json()["total"] == 0


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://elsewhere.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}],
    ids=["other-origin", "opaque-origin", "cross-site-fetch"],
)
def test_a_form_from_another_site_is_a_403_page(client: httpx2.Client, headers: dict[str, str]) -> None:
    response = client.post(ITEMS, data={"name": "Widget", "csrf_token": token(client)}, headers=headers)

    html_page(response, 403)


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_a_forged_form_learns_nothing_of_the_item_it_names(client: httpx2.Client, action: str) -> None:
    item = create(client, ITEMS_API, name="Widget")

    missing = client.post(f"{ITEMS}/{item['id'] + 1}/{action}", data={"name": "Gadget"})
    existing = client.post(f"{ITEMS}/{item['id']}/{action}", data={"name": "Gadget"})

    html_page(missing, 403)
    html_page(existing, 403)
    assert client.get(f"{ITEMS_API}/{item['id']}").json()["name"] == "Widget"


def test_a_form_from_this_site_passes_the_origin_check(client: httpx2.Client) -> None:
    headers = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}

    response = client.post(ITEMS, data={"name": "Widget", "csrf_token": token(client)}, headers=headers)

    assert response.status_code == 303


def test_htmx_sends_the_token_in_a_header(client: httpx2.Client) -> None:
    body = Page(client.get(ITEMS).text).all("body")[0]

    response = client.post(ITEMS, data={"name": "Widget"}, headers={"X-CSRF-Token": token(client)})

    assert json.loads(body["hx-headers"]) == {"X-CSRF-Token": token(client)}
    assert response.status_code == 303


def test_the_browser_cookie_is_opaque_http_only_and_lax(client: httpx2.Client) -> None:
    client.cookies.clear()
    plain = client.get(OPEN_PAGE).headers["set-cookie"]
    secure = client.get(f"https://testserver{OPEN_PAGE}").headers["set-cookie"]

    assert re.match(r"session=[\w-]{43}; ", plain)
    assert "HttpOnly" in plain
    assert "SameSite=Lax" in plain.replace("lax", "Lax")
    assert "Path=/" in plain
    assert "Secure" not in plain
    assert secure.startswith("__Host-session=")
    assert "Secure" in secure


def test_behind_a_proxy_that_ends_tls_the_cookies_are_secure_by_setting(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(settings.model_copy(update={"page_secure_cookies": True}))

    cookie = client.get(OPEN_PAGE).headers["set-cookie"]

    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie


def test_a_changed_flash_message_is_not_shown(client: httpx2.Client) -> None:
    client.cookies.set("flash", "Rm9yZ2Vk.0000")

    assert "Forged" not in client.get(ITEMS).text
    client.cookies.delete("flash")


def test_an_api_client_gets_a_problem_document_for_an_unknown_url(client: httpx2.Client) -> None:
    assert_problem(client.get("/nowhere"), 404)


def test_the_api_keeps_its_problem_documents_and_its_policy(client: httpx2.Client) -> None:
    response = client.get("/api/v1/nope", headers=BROWSER)

    assert_problem(response, 404)
    assert response.headers["content-security-policy"] != CONTENT_SECURITY_POLICY
    assert client.post(ITEMS_API, json={"name": "Widget"}).status_code == 201


def test_htmx_and_the_style_sheet_are_served_by_the_application(client: httpx2.Client) -> None:
    page = html_page(client.get(ITEMS))

    for url in [script["src"] for script in page.all("script")] + [link["href"] for link in page.all("link")]:
        assert url.startswith("/static/")
        assert client.get(url).status_code == 200
    html_page(client.get("/static/nothing.js", headers=BROWSER), 404)


def test_a_linked_static_file_is_kept_a_year_and_another_version_is_asked_for_again(client: httpx2.Client) -> None:
    page = html_page(client.get(ITEMS))
    script = page.all("script")[0]["src"]
    path, _, version = script.partition("?v=")

    kept = client.get(script)
    unversioned, outdated = client.get(path), client.get(f"{path}?v=an-older-one")

    assert version
    assert kept.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert unversioned.headers["cache-control"] == outdated.headers["cache-control"] == "no-cache"
    assert unversioned.content == kept.content
    revalidated = client.get(path, headers={"If-None-Match": unversioned.headers["etag"]})
    assert revalidated.status_code == 304
    assert_problem(client.get("/static/nothing.js"), 404)


def page_urls(client: httpx2.Client) -> dict[str, httpx2.Response]:
    item = create(client, ITEMS_API, name="Widget", description="<script>alert(1)</script>")
    url = f"{ITEMS}/{item['id']}"
    return {
        "list": client.get(ITEMS),
        "new": client.get(f"{ITEMS}/new"),
        "item": client.get(url),
        "edit": client.get(f"{url}/edit"),
        "delete": client.get(f"{url}/delete"),
        "invalid": post_form(client, ITEMS, name=""),
        "error": client.get("/nowhere", headers=BROWSER),
    }


def test_every_page_has_landmarks_one_h1_labelled_inputs_and_nothing_inline(client: httpx2.Client) -> None:
    for name, response in page_urls(client).items():
        page = Page(response.text)
        tags = [tag for tag, _ in page.elements]
        labelled = {label["for"] for label in page.all("label")}
        inputs = [
            attributes
            for tag, attributes in page.elements
            if tag in {"input", "textarea", "select"} and attributes.get("type") not in {"hidden", "submit"}
        ]
        attributes: list[str] = [attribute for _, element in page.elements for attribute in element]

        assert tags.count("h1") == 1, name
        assert {"header", "nav", "main", "footer"} <= set(tags), name
        assert page.all("a")[0]["href"] == "#main", f"{name}: the skip link comes first"
        assert all(field.get("id") in labelled for field in inputs), name
        assert page.inline_scripts == 0, name
        assert "style" not in tags, name
        assert not [attribute for attribute in attributes if attribute == "style" or attribute.startswith("on")], name
        assert "<script>alert" not in response.text, name


def test_the_page_key_is_shared_by_the_workers_unless_set(settings: Settings) -> None:
    assert Settings().page_signing_key == settings.page_signing_key
    assert Settings(page_key="k" * 32).page_signing_key == b"k" * 32


def test_form_fields_read_as_the_model_reads_them() -> None:
    data: dict[str, Any] = ItemFields(name="A", description="", quantity="").data()
    change: dict[str, Any] = ItemChange(version="0" * 16, name="A", description="", quantity="").data()

    assert data == change == {"name": "A", "description": None}
