"""The server-rendered pages (``ui=pages``) of every framework and production server, used in headless Chromium.

With accounts, a newcomer is first sent to sign in, creates an account, sees none of the member's items and signs out;
the member signs in. With OpenID Connect, the member is sent to sign in, goes to the provider (the bake's own test
issuer, ``tests/issuer.py``, run by the bake's Python) and back, sees their account page, signs out and in again. Then a
user walks through the items: opens the list, creates an item with the form and sees the flash message, edits it, first
with errors (each shown next to its field, the text typed kept, the focus on the first field in error), searches for it,
and deletes it after the confirmation page. With scripts on, the search updates the results as the user types (htmx,
served by the application) without leaving the page; then the same walk again in a browser with scripts off, where the
search is a plain form and everything else works the same.

The harness (``browsing.py``) serves each bake with its production server and fails the test on any request to another
origin (but the provider's, where the bake has one), any console error (a violation of the pages' content security
policy is one) or any failed request. On every page visited, in both browsers, axe-core (bundled by the
``axe-playwright-python`` package: nothing is fetched at test time) must find no accessibility violation.

Screenshots of each page go to ``artifacts/browser/pages/`` (uploaded by the template's CI), with one of the list for
the generated README (``<row>-readme.png``): to refresh the README's picture, copy the default-named FastAPI row's over
``{{cookiecutter.project_slug}}/docs/pages.png``.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect

from .browsing import (
    ARTIFACTS,
    PAGE_TIMEOUT_MS,
    PROVIDER_HOST,
    Served,
    Traffic,
    forget_screenshots,
    open_page,
    screenshot_afterwards,
    served,
    watched_context,
)
from .combinations import PAGES_BROWSER_ROWS, params
from .servers import MEMBER, free_port, member_credentials
from .toolchain import Environments

SCREENSHOTS = ARTIFACTS / "pages"
TEMPLATE = Path(__file__).resolve().parents[1]
README_PICTURE = "docs/pages.png"
"""The picture of the list that the generated README shows, in the bakes with pages."""
AXE_SOURCE = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
"""axe-core, as the package bundles it."""
START_AXE = """() => {
    window.axeFound = null;
    axe.run(document, {resultTypes: ["violations"]}).then(
        (results) => { window.axeFound = {violations: results.violations, passed: results.passes.length}; },
        (error) => { window.axeFound = String(error); },
    );
}"""
"""Start every rule of axe-core that is not experimental on the whole page; ``window.axeFound`` takes the violations
and the number of rules that passed (or the error). The test waits for it from outside the page, since
``page.evaluate`` itself would wait for ever."""
TIMERS_AT_ONCE = """() => {
    const soon = (callback, ...args) => { Promise.resolve().then(() => callback(...args)); return 0; };
    Object.assign(window, {setTimeout: soon, requestAnimationFrame: soon, requestIdleCallback: soon});
    Object.assign(window, {clearTimeout: () => {}, cancelAnimationFrame: () => {}, cancelIdleCallback: () => {}});
}"""
"""Timers that run their callback as a microtask: those of a page with scripts off never run, but its promises do."""
AXE_TIMEOUT_SECONDS = 30

SEEDED = (
    {"name": "Widget", "description": "A small widget.", "quantity": 3},
    {"name": "Gadget", "description": "Does one thing well.", "quantity": 12},
    {"name": "Sprocket", "quantity": 40},
)
"""Items made through the API before the walk: the list is not empty, as in the README's picture."""
NEWCOMERS = {True: "grace@example.com", False: "alan@example.com"}
"""Who signs up in the walk with scripts on (True) and off."""
PROVIDER_MEMBER = ("ada", "Ada Lovelace")
"""The subject and name of the member whom the provider signs in, with OpenID Connect."""
ISSUER_SCRIPT = """
import sys
from tests.issuer import Client, Issuer
port, browser_host, client_id, redirect_uri, subject, name = sys.argv[1:]
issuer = Issuer(port=int(port), browser_host=browser_host)
issuer.clients[client_id] = Client(redirect_uris={redirect_uri})
issuer.user, issuer.user_claims = subject, {"name": name}
issuer.start()
print(issuer.token(subject, audience=client_id), flush=True)
sys.stdin.read()
issuer.stop()
"""
"""The bake's test issuer, serving until its input closes: it signs the member in, and first prints an access token
of theirs for the test to seed items with."""
VIEWPORT = {"width": 960, "height": 640}
# Every expectation waits as long as the harness waits for an element; Playwright's default is five seconds.
expect.set_options(timeout=PAGE_TIMEOUT_MS)


@dataclass(frozen=True)
class Item:
    """The item of one walk: its name, the name it is given on its edit page, and the word that finds it then."""

    name: str
    renamed: str
    description: str
    search: str


ITEMS = {
    True: Item("Reading lamp", "Reading lamp, brass", "With a linen shade.", "brass"),
    False: Item("Garden chair", "Garden chair, teak", "Folds flat.", "teak"),
}
"""The item of the walk with scripts on (True) and off: names that no other item contains."""


@dataclass
class Walk:
    """One browser's walk through the pages: where it is, what it found wrong, and where its pictures go."""

    page: Page
    traffic: Traffic
    origin: str
    scripts: bool
    screenshots: str
    """The start of its screenshots' paths: the test's id and whether scripts ran."""
    violations: list[str] = field(default_factory=list)
    item_path: str = ""
    """The path of the item's page, once created."""

    @property
    def item(self) -> Item:
        return ITEMS[self.scripts]

    def screenshot(self, what: str) -> Path:
        return SCREENSHOTS / f"{self.screenshots}-{what}.png"

    def check_accessibility(self, what: str) -> None:
        """Run axe-core on the page as it is now, and keep what it found.

        axe-core goes in by the protocol of the browser's tools, which the page's policy does not govern, and runs on
        promises and timers. A browser with scripts off runs no timer: there, before axe-core goes in, the timers are
        made to run at once (nothing else of the page runs to see it: it has no script running)."""
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            if not self.scripts:
                self.page.evaluate(TIMERS_AT_ONCE)
            self.page.evaluate(AXE_SOURCE)
        self.page.evaluate(START_AXE)
        deadline = time.monotonic() + AXE_TIMEOUT_SECONDS
        while (found := self.page.evaluate("() => window.axeFound")) is None:
            assert time.monotonic() < deadline, f"axe-core did not finish on {what}"
            time.sleep(0.05)
        assert isinstance(found, dict), f"axe-core failed on {what}: {found}"
        assert found["passed"] > 0, f"axe-core checked nothing on {what}"
        for violation in found["violations"]:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"])
            self.violations.append(f"{what}: {violation['id']} ({violation['impact']}): {violation['help']}: {targets}")

    def send_form(self, button: str, status: int) -> None:
        """Press the form's button with this name, and wait for the page it leads to (after a redirect, if any),
        which must answer with this status."""
        with self.page.expect_event("load"), self.page.expect_response(is_a_page) as answered:
            self.page.get_by_role("button", name=button, exact=True).click()
        answer = answered.value
        assert answer.status == status, f"{answer.request.method} {answer.url} answered {answer.status}, not {status}"

    def follow(self, link: Locator) -> None:
        """Follow the link, and wait until the page it leads to has loaded: htmx, a deferred script, has then set up
        the live search (a user typing sooner is not heard by it)."""
        with self.page.expect_event("load"):
            link.click()


def is_a_page(response: Response) -> bool:
    """Whether the answer is a page that the browser shows: a document, not a redirect to one."""
    return response.request.is_navigation_request() and not 300 <= response.status < 400


Step = Callable[[Walk], None]


def open_the_list(walk: Walk) -> None:
    open_page(walk.page, f"{walk.origin}/items")
    expect(walk.page.get_by_role("heading", level=1)).to_have_text("Items")
    for seeded in SEEDED:
        expect(walk.page.get_by_role("link", name=str(seeded["name"]), exact=True)).to_be_visible()
    htmx_loaded = walk.page.evaluate("() => typeof window.htmx === 'object'")
    assert htmx_loaded == walk.scripts, "htmx runs when scripts are on, and only then"
    walk.check_accessibility("the list")
    walk.page.screenshot(path=walk.screenshot("list"), full_page=True)
    if walk.scripts:
        walk.page.locator("body").screenshot(path=walk.screenshot("readme"))
        # The style sheet follows the user's colour scheme: the dark one is checked and shown once.
        walk.page.emulate_media(color_scheme="dark")
        walk.check_accessibility("the list in a dark colour scheme")
        walk.page.screenshot(path=walk.screenshot("list-dark"), full_page=True)
        walk.page.emulate_media(color_scheme="light")


def create_an_item(walk: Walk) -> None:
    page, item = walk.page, walk.item
    walk.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="New item"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New item")
    walk.check_accessibility("the new item's form")
    page.get_by_label("Name", exact=True).fill(item.name)
    page.get_by_label("Description (optional)").fill(item.description)
    page.get_by_label("Quantity").fill("2")
    walk.send_form("New item", 200)

    expect(page).to_have_url(re.compile(rf"^{re.escape(walk.origin)}/items/\d+$"))
    walk.item_path = page.url.removeprefix(walk.origin)
    expect(page.get_by_role("status")).to_have_text(f"Created “{item.name}”.")
    expect(page.get_by_role("heading", level=1)).to_have_text(item.name)
    expect(page.locator("dd").first).to_have_text(item.description)
    walk.check_accessibility("the item's page, with a flash message")
    page.screenshot(path=walk.screenshot("item"), full_page=True)


def edit_the_item(walk: Walk) -> None:
    """Send the edit form with two fields wrong, see each message next to its field, then correct them."""
    page, item = walk.page, walk.item
    walk.follow(page.get_by_role("link", name="Edit", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit {item.name}")
    expect(page.get_by_role("status")).to_have_count(0)  # the flash message was shown once, on the item's page
    name, description, quantity = (
        page.get_by_label("Name", exact=True),
        page.get_by_label("Description (optional)"),
        page.get_by_label("Quantity"),
    )
    expect(name).to_have_value(item.name)
    name.fill("")
    description.fill(f"{item.description} Edited.")
    quantity.fill("-3")
    walk.traffic.expect_error(f"{walk.item_path}/edit", 422)
    walk.send_form(f"Edit {item.name}", 422)

    expect(page.get_by_role("alert")).to_contain_text("The item was not saved")
    for field_name, text in (("name", "at least 1 character"), ("quantity", "greater than or equal to 0")):
        message = page.locator(".field", has=page.locator(f"#{field_name}")).locator(".error")
        expect(message).to_have_text(re.compile(text))
        expect(page.locator(f"#{field_name}")).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("at least 1 character"))
    expect(quantity).to_have_accessible_description(re.compile("greater than or equal to 0"))
    expect(description).to_have_value(f"{item.description} Edited.")
    expect(quantity).to_have_value("-3")
    expect(name).to_be_focused()
    walk.check_accessibility("the edit form with errors")
    page.screenshot(path=walk.screenshot("form-error"), full_page=True)

    name.fill(item.renamed)
    quantity.fill("7")
    walk.send_form(f"Edit {item.name}", 200)
    expect(page).to_have_url(f"{walk.origin}{walk.item_path}")
    expect(page.get_by_role("status")).to_have_text(f"Saved “{item.renamed}”.")
    expect(page.get_by_role("heading", level=1)).to_have_text(item.renamed)
    expect(page.locator("dd").nth(1)).to_have_text("7")
    walk.check_accessibility("the edited item's page")


def search_for_the_item(walk: Walk) -> None:
    """With scripts, the results change as the user types, in the same page; without, the form is sent."""
    page, item = walk.page, walk.item
    walk.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Items"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Items")
    search = page.get_by_label("Search by name")
    if walk.scripts:
        page.evaluate("() => { window.stillTheSamePage = true; }")
        with page.expect_request(lambda request: "q=" in request.url) as sent:
            search.press_sequentially(item.search)
        live = sent.value
        assert not live.is_navigation_request(), "the live search loaded a whole page"
        assert live.headers.get("hx-request") == "true"
    else:
        search.fill(item.search)
        with page.expect_event("load"), page.expect_request(lambda request: "q=" in request.url) as sent:
            page.get_by_role("button", name="Search", exact=True).click()
        assert sent.value.is_navigation_request(), "without scripts, the search is a form that loads the results"

    results = page.get_by_role("region", name="Results")
    expect(results).to_contain_text(f"1 item whose name contains “{item.search}”.")
    expect(results.get_by_role("row")).to_have_count(2)  # the header and the item
    expect(results.get_by_role("link", name=item.renamed, exact=True)).to_be_visible()
    expect(page).to_have_url(f"{walk.origin}/items?q={item.search}")
    expect(search).to_have_value(item.search)
    if walk.scripts:
        assert page.evaluate("() => window.stillTheSamePage") is True, "the live search left the page"
    walk.check_accessibility("the search's results")
    page.screenshot(path=walk.screenshot("search"), full_page=True)


def delete_the_item(walk: Walk) -> None:
    page, item = walk.page, walk.item
    walk.follow(page.get_by_role("link", name=item.renamed, exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(item.renamed)
    walk.follow(page.get_by_role("link", name="Delete", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Delete {item.renamed}")
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    walk.check_accessibility("the confirmation of a deletion")
    page.screenshot(path=walk.screenshot("delete"), full_page=True)
    walk.send_form("Delete", 200)

    expect(page).to_have_url(f"{walk.origin}/items")
    expect(page.get_by_role("status")).to_have_text(f"Deleted “{item.renamed}”.")
    expect(page.get_by_role("link", name=item.renamed, exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Widget", exact=True)).to_be_visible()
    walk.check_accessibility("the list after a deletion")


def sign_up_and_out(walk: Walk) -> None:
    """A newcomer who opens the list is sent to sign in, creates an account there, sees an empty list (the seeded
    items are the member's), and signs out on the account page."""
    page = walk.page
    open_page(page, f"{walk.origin}/items")
    expect(page).to_have_url(f"{walk.origin}/sign-in?next=%2Fitems")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    walk.check_accessibility("the sign-in page")
    walk.follow(page.get_by_role("link", name="Create an account"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    walk.check_accessibility("the sign-up page")
    page.get_by_label("E-mail address").fill(NEWCOMERS[walk.scripts])
    page.get_by_label("Password", exact=True).fill(MEMBER["password"])
    walk.send_form("Create the account", 200)

    expect(page).to_have_url(f"{walk.origin}/items")
    expect(page.get_by_role("link", name=str(SEEDED[0]["name"]), exact=True)).to_have_count(0)
    walk.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Account"))
    expect(page.get_by_text(f"Signed in as {NEWCOMERS[walk.scripts]}")).to_be_visible()
    walk.check_accessibility("the account page")
    page.screenshot(path=walk.screenshot("account"), full_page=True)
    walk.send_form("Sign out", 200)
    expect(page).to_have_url(f"{walk.origin}/sign-in")
    expect(page.get_by_role("status")).to_have_text("Signed out.")


def sign_in(walk: Walk) -> None:
    """The member whose items were seeded signs in, and lands on the list."""
    page = walk.page
    page.get_by_label("E-mail address").fill(MEMBER["email"])
    page.get_by_label("Password", exact=True).fill(MEMBER["password"])
    walk.send_form("Sign in", 200)
    expect(page).to_have_url(f"{walk.origin}/items")


def to_the_provider_and_back(walk: Walk) -> None:
    """Follow the sign-in page's link to the provider, which signs the member in and sends the browser back."""
    page = walk.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    with page.expect_request(lambda request: request.url.startswith(f"{walk.traffic.provider}/")) as asked:
        walk.follow(page.get_by_role("link", name="Sign in with the provider"))
    assert asked.value.is_navigation_request(), "the browser itself goes to the provider"
    expect(page).to_have_url(f"{walk.origin}/items")
    expect(page.get_by_role("status")).to_have_text(f"Signed in as {PROVIDER_MEMBER[1]}.")


def sign_in_at_the_provider_out_and_in(walk: Walk) -> None:
    """A visitor who opens the list is sent to sign in, signs in at the provider and comes back to the list; on the
    account page they sign out, and sign in again."""
    page = walk.page
    open_page(page, f"{walk.origin}/items")
    expect(page).to_have_url(f"{walk.origin}/sign-in?next=%2Fitems")
    walk.check_accessibility("the sign-in page")
    page.screenshot(path=walk.screenshot("sign-in"), full_page=True)
    to_the_provider_and_back(walk)
    walk.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Account"))
    expect(page.get_by_text(f"Signed in as {PROVIDER_MEMBER[1]}")).to_be_visible()
    walk.check_accessibility("the account page")
    page.screenshot(path=walk.screenshot("account"), full_page=True)
    walk.send_form("Sign out", 200)
    expect(page).to_have_url(f"{walk.origin}/sign-in")
    expect(page.get_by_role("status")).to_have_text("Signed out.")
    to_the_provider_and_back(walk)


ITEM_STEPS: tuple[Step, ...] = (open_the_list, create_an_item, edit_the_item, search_for_the_item, delete_the_item)
SIGN_IN_STEPS: dict[str, tuple[Step, ...]] = {
    "none": (),
    "accounts": (sign_up_and_out, sign_in),
    "oidc": (sign_in_at_the_provider_out_and_in,),
}
"""What each identity does before the items' steps: an open API nothing; with accounts, a newcomer signs up and
out, and the member whose items were seeded signs in; with OpenID Connect, the member signs in at the provider, out,
and in again."""


def steps(answers: dict[str, Any]) -> tuple[Step, ...]:
    """The walk for a bake: the items' steps, after those that its identity asks for first."""
    return SIGN_IN_STEPS[answers["auth"]] + ITEM_STEPS


@contextmanager
def member_of(server: Served, provider_port: int) -> Iterator[dict[str, str]]:
    """The headers of the member whose items are seeded: with accounts, who registers first; with OpenID Connect, a
    token of the provider, which serves on ``provider_port`` until the block ends."""
    if server.answers["auth"] != "oidc":
        yield member_credentials(server.local_url) if server.answers["auth"] == "accounts" else {}
        return
    client_id, redirect_uri = server.answers["package_name"], f"{server.origin}/sign-in/callback"
    arguments = [str(provider_port), PROVIDER_HOST, client_id, redirect_uri, *PROVIDER_MEMBER]
    command = [server.python, "-c", ISSUER_SCRIPT, *arguments]
    with subprocess.Popen(command, cwd=server.project, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as issuer:
        assert issuer.stdin is not None
        assert issuer.stdout is not None
        try:
            # The first line comes once the issuer serves; an issuer that failed closes its output instead.
            access_token = issuer.stdout.readline().decode().strip()
            assert access_token, "the test issuer did not start"
            yield {"Authorization": f"Bearer {access_token}"}
        finally:
            issuer.stdin.close()
            issuer.wait(timeout=30)


def seed_items(server: Served, headers: dict[str, str]) -> None:
    """The items of the list, made through the API as the member's."""
    for seeded in SEEDED:
        assert httpx.post(f"{server.local_url}/api/v1/items", json=seeded, headers=headers).status_code == 201


def check_the_readme_picture(project: Path) -> None:
    """The bake shows the template's picture of the pages in its README, copied byte for byte."""
    assert f"]({README_PICTURE})" in (project / "README.md").read_text(encoding="utf-8")
    template_picture = TEMPLATE / "{{cookiecutter.project_slug}}" / README_PICTURE
    assert (project / README_PICTURE).read_bytes() == template_picture.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("answers", params(PAGES_BROWSER_ROWS))
def test_pages_work_in_a_browser_with_and_without_scripts(
    cookies: Any,
    environments: Environments,
    browser: Browser,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    answers: dict[str, Any],
) -> None:
    name = request.node.callspec.id
    forget_screenshots(SCREENSHOTS, name)
    walks = []
    provider_port = free_port()
    oidc = answers["auth"] == "oidc"
    provider = f"http://{PROVIDER_HOST}:{provider_port}" if oidc else None
    settings = {"OIDC_ISSUER": f"http://127.0.0.1:{provider_port}/realms/tests"} if oidc else None
    with (
        served(cookies, environments, answers, tmp_path, settings) as server,
        member_of(server, provider_port) as member,
    ):
        check_the_readme_picture(server.project)
        seed_items(server, member)
        for scripts in (True, False):
            traffic = Traffic(server.origin, provider=provider)
            options = {"java_script_enabled": scripts, "viewport": VIEWPORT}
            with watched_context(browser, traffic, **options) as page:
                mode = "scripts" if scripts else "no-scripts"
                walk = Walk(page, traffic, server.origin, scripts, f"{name}-{mode}")
                page.set_default_timeout(PAGE_TIMEOUT_MS)
                with screenshot_afterwards(page, walk.screenshot("end")):
                    for step in steps(server.answers):
                        step(walk)
            walks.append(walk)

    for walk in walks:
        mode = "with scripts" if walk.scripts else "without scripts"
        problems = walk.traffic.problems()
        assert not problems, f"the pages of {name} {mode} went beyond the server or reported errors:\n{problems}"
        violations = "\n".join(walk.violations)
        assert not violations, f"axe-core found accessibility violations in the pages of {name} {mode}:\n{violations}"
