"""The accounts' pages: sign up, in and out, a page session that lives beside the account's refresh tokens and ends
with them, the account page, the pages that mailed links open, and the items of one member hidden from another."""

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage

import httpx2
import pytest
from sqlalchemy import Connection

from {{ cookiecutter.package_name }}.auth import AUTH_URL
from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.models import utc_now
from {{ cookiecutter.package_name }}.pages.accounts.sessions import PageSession
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import ME, PASSWORD, bearer, password_grant, register, sign_in_admin
from .mail import delivery_round
from .page_sessions import COOKIE, ITEMS, SECURE_COOKIE, assert_sent_to_sign_in, change_sessions, html, post
from .pages import page_token, sign_in_to_pages
from .test_account_mail import LINK, SmtpServer

NEW_PASSWORD = "an entirely new passphrase"


def sign_up(client: httpx2.Client, email: str, password: str = PASSWORD) -> httpx2.Response:
    return post(client, "/sign-up", email=email, password=password)


def signed_in(client: httpx2.Client, email: str) -> None:
    """A new member, signed up and so signed in through the pages, in a cookie jar of their own."""
    client.cookies = httpx2.Cookies()
    response = sign_up(client, email)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == ITEMS


def created_item(client: httpx2.Client, name: str) -> int:
    response = post(client, ITEMS, f"{ITEMS}/new", name=name)
    assert response.status_code == 303, response.text
    found = re.fullmatch(rf"{ITEMS}/(\d+)", response.headers["location"])
    assert found is not None
    return int(found[1])


def get_with(client: httpx2.Client, cookies: httpx2.Cookies, url: str) -> httpx2.Response:
    """Open ``url`` from another browser of the same client: one with these cookies."""
    own = client.cookies
    client.cookies = cookies
    try:
        return client.get(url)
    finally:
        client.cookies = own


@pytest.fixture
def browser(anonymous_client: httpx2.Client) -> Iterator[httpx2.Client]:
    """The run's client as a browser: no bearer token, a cookie jar that the test starts empty and leaves empty."""
    anonymous_client.cookies = httpx2.Cookies()
    yield anonymous_client
    anonymous_client.cookies = httpx2.Cookies()


# Signing up, in and out


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_and_back(browser: httpx2.Client) -> None:
    register(browser, "ada@example.com")

    for page in [ITEMS, f"{ITEMS}?q=Wid", f"{ITEMS}/new", f"{ITEMS}/1", f"{ITEMS}/1/edit", "/account", "/"]:
        assert_sent_to_sign_in(browser.get(page), page)
    sign_in_page = html(browser.get("/sign-in", params={"next": f"{ITEMS}/new"}))
    response = sign_in_to_pages(browser, "ada@example.com")

    assert 'action="/sign-in?next=%2Fitems%2Fnew"' in sign_in_page
    assert response.status_code == 303
    assert response.headers["location"] == ITEMS
    assert browser.post("/sign-in?next=/items/new", data={"email": "ada@example.com"}).status_code == 403


def test_the_page_after_sign_in_is_one_of_this_site(browser: httpx2.Client) -> None:
    register(browser, "ada@example.com")
    data = {"email": "ada@example.com", "password": PASSWORD}

    for elsewhere in ["https://evil.example/", "//evil.example/", "/\\evil.example"]:
        browser.cookies = httpx2.Cookies()
        token = page_token(browser, "/sign-in")
        response = browser.post("/sign-in", params={"next": elsewhere}, data={"csrf_token": token, **data})
        assert response.headers["location"] == ITEMS


def test_sign_up_signs_in_and_sign_out_ends_the_session(browser: httpx2.Client, settings: Settings) -> None:
    signed_in(browser, "ada@example.com")

    items = html(browser.get(ITEMS))
    account = html(browser.get("/account"))
    response = post(browser, "/sign-out", "/account")

    assert "Welcome, ada@example.com" in items
    assert "ada@example.com" in account
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in"
    assert "Signed out." in html(browser.get("/sign-in"))
    assert_sent_to_sign_in(browser.get(ITEMS))


def test_a_signed_out_sessions_id_opens_nothing_again(browser: httpx2.Client) -> None:
    signed_in(browser, "ada@example.com")
    old_id = browser.cookies[COOKIE]

    post(browser, "/sign-out", "/account")
    browser.cookies = httpx2.Cookies({COOKIE: old_id})

    assert_sent_to_sign_in(browser.get(ITEMS))


def test_sign_up_shows_the_models_and_the_services_errors_next_to_the_fields(browser: httpx2.Client) -> None:
    register(browser, "taken@example.com")

    invalid = sign_up(browser, "not an address", "short")
    same = sign_up(browser, "ada@example.com", "ada@example.com")
    taken = sign_up(browser, "taken@example.com")

    assert 'id="email" name="email" value="not an address"' in html(invalid, 422)
    assert 'id="password-error"' in invalid.text
    assert 'id="password-error"' in html(same, 422)
    assert 'id="email-error">An account with this e-mail address already exists.' in html(taken, 409)
    assert PASSWORD not in taken.text, "a password is never shown again"


def test_a_wrong_password_shows_the_form_again_with_the_message(browser: httpx2.Client) -> None:
    register(browser, "ada@example.com")

    response = sign_in_to_pages(browser, "ada@example.com", "not the password at all")

    page = html(response, 400)
    assert "The e-mail address or the password is wrong." in page
    assert 'value="ada@example.com"' in page
    assert "not the password at all" not in page
    assert_sent_to_sign_in(browser.get(ITEMS))


def test_sign_in_failures_count_with_the_token_endpoints(browser: httpx2.Client, settings: Settings) -> None:
    register(browser, "ada@example.com")
    allowed = settings.sign_in_attempts_per_account_and_address

    statuses = [sign_in_to_pages(browser, "ada@example.com", f"guess {n}").status_code for n in range(allowed)]
    refused = sign_in_to_pages(browser, "ada@example.com")

    assert statuses == [400] * allowed
    html(refused, 429)
    assert password_grant(browser, "ada@example.com").status_code == 429


@pytest.mark.parametrize(
    "fields",
    [{}, {"csrf_token": ""}, {"csrf_token": "0" * 64}],
    ids=["missing", "empty", "wrong"],
)
@pytest.mark.parametrize("url", ["/sign-in", "/sign-up", "/sign-out", "/account/password", "/account/delete"])
def test_a_form_without_the_sessions_token_is_a_403_page(
    browser: httpx2.Client, url: str, fields: dict[str, str]
) -> None:
    signed_in(browser, "ada@example.com")

    response = browser.post(url, data={"email": "ada@example.com", "current_password": PASSWORD, **fields})

    html(response, 403)
    assert "ada@example.com" in html(browser.get("/account"))


def test_sign_in_gives_a_new_session_id_and_a_new_csrf_token(browser: httpx2.Client) -> None:
    register(browser, "ada@example.com")
    before = page_token(browser, "/sign-in")
    anonymous_id = browser.cookies[COOKIE]

    sign_in_to_pages(browser, "ada@example.com")

    assert browser.cookies[COOKIE] != anonymous_id
    assert page_token(browser, "/account") != before
    assert_sent_to_sign_in(get_with(browser, httpx2.Cookies({COOKIE: anonymous_id}), ITEMS))


def test_the_session_cookie_is_opaque_http_only_and_lax(browser: httpx2.Client, settings: Settings) -> None:
    register(browser, "ada@example.com")

    response = sign_in_to_pages(browser, "ada@example.com")

    cookie = response.headers["set-cookie"]
    assert re.match(r"session=[\w-]{43}; ", cookie)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie.replace("lax", "Lax")

    stored: list[object] = []

    def read(connection: Connection) -> None:
        stored.extend(connection.execute(PageSession.__table__.select()).one())

    database.run_on_connection(settings, read)
    assert browser.cookies[COOKIE] not in stored, "the table keeps a hash of the id, never the id"


def test_behind_a_proxy_that_ends_tls_a_member_stays_signed_in(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    """The browser speaks HTTPS to the proxy and sends back the Secure cookie; the application sees plain HTTP."""
    client = make_client(settings.model_copy(update={"page_secure_cookies": True}))
    register(client, "ada@example.com")
    form = client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form.text)
    assert token is not None

    def from_browser(response: httpx2.Response) -> dict[str, str]:
        return {"Cookie": f"{SECURE_COOKIE}={response.cookies[SECURE_COOKIE]}"}

    data = {"csrf_token": token[1], "email": "ada@example.com", "password": PASSWORD}
    signed = client.post("/sign-in", data=data, headers=from_browser(form))

    assert signed.status_code == 303, signed.text
    assert "Secure" in signed.headers["set-cookie"]
    html(client.get(ITEMS, headers=from_browser(signed)))


# The session's end


def test_an_idle_session_ends(browser: httpx2.Client, settings: Settings) -> None:
    signed_in(browser, "ada@example.com")
    idle = timedelta(minutes=settings.page_session_idle_minutes)

    change_sessions(settings, last_used_at=utc_now() - idle + timedelta(minutes=1))
    html(browser.get(ITEMS))
    change_sessions(settings, last_used_at=utc_now() - idle - timedelta(seconds=1))

    assert_sent_to_sign_in(browser.get(ITEMS))


def test_a_session_in_use_ends_at_its_absolute_lifetime(browser: httpx2.Client, settings: Settings) -> None:
    signed_in(browser, "ada@example.com")

    change_sessions(settings, expires_at=utc_now() - timedelta(seconds=1))

    assert_sent_to_sign_in(browser.get(ITEMS))


def test_a_session_in_use_is_recorded_at_most_once_a_minute(browser: httpx2.Client, settings: Settings) -> None:
    signed_in(browser, "ada@example.com")
    long_ago = utc_now() - timedelta(minutes=settings.page_session_idle_minutes - 1)
    change_sessions(settings, last_used_at=long_ago)

    html(browser.get(ITEMS))
    change_sessions(settings, last_used_at=long_ago)
    refreshed = html(browser.get(ITEMS))

    assert refreshed
    change_sessions(settings, last_used_at=utc_now() - timedelta(minutes=settings.page_session_idle_minutes + 1))
    assert_sent_to_sign_in(browser.get(ITEMS))


def test_a_password_change_ends_every_other_session_and_keeps_this_one(browser: httpx2.Client) -> None:
    signed_in(browser, "ada@example.com")
    other = httpx2.Cookies(browser.cookies)
    browser.cookies = httpx2.Cookies()
    sign_in_to_pages(browser, "ada@example.com")
    tokens = password_grant(browser, "ada@example.com").json()

    response = post(browser, "/account/password", "/account", current_password=PASSWORD, new_password=NEW_PASSWORD)

    assert response.status_code == 303, response.text
    assert "Password changed" in html(browser.get("/account"))
    assert_sent_to_sign_in(get_with(browser, other, ITEMS))
    refreshed = browser.post(
        f"{AUTH_URL}/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 400


def test_a_wrong_current_password_is_shown_next_to_its_field(browser: httpx2.Client) -> None:
    signed_in(browser, "ada@example.com")

    wrong = post(browser, "/account/password", "/account", current_password="wrong", new_password=NEW_PASSWORD)
    weak = post(browser, "/account/password", "/account", current_password=PASSWORD, new_password="short")

    assert 'id="current_password-error">The current password is wrong.' in html(wrong, 403)
    assert 'id="new_password-error"' in html(weak, 422)
    html(browser.get(ITEMS))


def test_a_session_ends_when_the_api_changes_the_password(browser: httpx2.Client) -> None:
    signed_in(browser, "ada@example.com")
    access = password_grant(browser, "ada@example.com").json()["access_token"]

    changed = browser.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={"Authorization": f"Bearer {access}"},
    )

    assert changed.status_code == 204
    assert_sent_to_sign_in(browser.get(ITEMS))


def test_a_session_ends_when_an_admin_deactivates_the_account(browser: httpx2.Client, settings: Settings) -> None:
    signed_in(browser, "ada@example.com")
    access = password_grant(browser, "ada@example.com").json()["access_token"]
    user_id = browser.get(ME, headers=bearer(access)).json()["id"]

    deactivated = browser.patch(
        f"/api/v1/users/{user_id}", json={"is_active": False}, headers=sign_in_admin(browser, settings)
    )

    assert deactivated.status_code == 200, deactivated.text
    assert_sent_to_sign_in(browser.get(ITEMS))
    html(sign_in_to_pages(browser, "ada@example.com"), 400)


def test_deleting_the_account_asks_for_its_password_and_ends_its_sessions(
    browser: httpx2.Client, settings: Settings
) -> None:
    signed_in(browser, "ada@example.com")
    created_item(browser, "Widget")
    session_id = browser.cookies[COOKIE]

    confirmation = html(browser.get("/account/delete"))
    wrong = post(browser, "/account/delete", current_password="not it")
    response = post(browser, "/account/delete", current_password=PASSWORD)

    assert 'action="/account/delete"' in confirmation
    assert "The current password is wrong." in html(wrong, 403)
    assert response.status_code == 303
    assert "Your account was deleted." in html(browser.get(response.headers["location"]))
    assert_sent_to_sign_in(get_with(browser, httpx2.Cookies({COOKIE: session_id}), ITEMS))
    assert password_grant(browser, "ada@example.com").status_code == 400


# One member's items, hidden from another


def test_a_member_sees_only_their_own_items_and_no_page_of_another_members(browser: httpx2.Client) -> None:
    signed_in(browser, "ada@example.com")
    item = created_item(browser, "Ada's widget")
    signed_in(browser, "bob@example.com")
    created_item(browser, "Bob's gadget")
    page = f"{ITEMS}/{item}"

    listed = html(browser.get(ITEMS))
    assert "Bob&#39;s gadget" in listed
    assert "Ada" not in listed
    for url in [page, f"{page}/edit", f"{page}/delete"]:
        html(browser.get(url), 404)
    html(post(browser, f"{page}/edit", f"{ITEMS}/new", name="Taken over"), 404)
    html(post(browser, f"{page}/delete", f"{ITEMS}/new"), 404)

    signed_in(browser, "carol@example.com")
    assert "Ada&#39;s widget" not in html(browser.get(ITEMS))
    sign_in_to_pages(browser, "ada@example.com")
    assert "Ada&#39;s widget" in html(browser.get(page))


def test_a_bearer_token_opens_no_page(client: httpx2.Client) -> None:
    client.cookies = httpx2.Cookies()

    assert_sent_to_sign_in(client.get(ITEMS))


# The pages that mailed links open


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def delivered_link(settings: Settings, smtp_server: SmtpServer, address: str, subject_word: str) -> str:
    """Deliver the outbox to the test's SMTP server, as the sender would, and return the path and query of the link
    in the message to ``address``."""
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": smtp_server.port, "smtp_security": "none"}
    delivery_round(settings.model_copy(update=smtp))
    message: EmailMessage = smtp_server.mailbox.to(address, subject_word)
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    match = LINK.search(text.get_content())
    assert match is not None
    assert match["base"] == settings.public_base_url.rstrip("/")
    return f"/{match['page']}?token={match['token']}"


def test_a_reset_link_opens_the_page_that_sets_a_new_password_once(
    browser: httpx2.Client, settings: Settings, smtp_server: SmtpServer
) -> None:
    signed_in(browser, "ada@example.com")
    signed_in_elsewhere = httpx2.Cookies(browser.cookies)
    browser.cookies = httpx2.Cookies()

    asked = post(browser, "/reset-password/mail", "/reset-password", email="ada@example.com")
    link = delivered_link(settings, smtp_server, "ada@example.com", "Reset")
    form = html(browser.get(link))
    weak = post(browser, "/reset-password", link, token=link.rpartition("=")[2], new_password="ada@example.com")
    response = post(browser, "/reset-password", link, token=link.rpartition("=")[2], new_password=NEW_PASSWORD)
    again = post(browser, "/reset-password", link, token=link.rpartition("=")[2], new_password=NEW_PASSWORD)

    assert asked.status_code == 303
    assert link.startswith("/reset-password?token=")
    assert 'name="new_password"' in form
    assert 'id="new_password-error"' in html(weak, 400)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in"
    assert "invalid, used or expired" in html(again, 400)
    assert_sent_to_sign_in(get_with(browser, signed_in_elsewhere, ITEMS))
    assert sign_in_to_pages(browser, "ada@example.com", NEW_PASSWORD).status_code == 303


def test_a_reset_request_answers_alike_for_any_address(browser: httpx2.Client, settings: Settings) -> None:
    register(browser, "ada@example.com")

    known = post(browser, "/reset-password/mail", "/reset-password", email="ada@example.com")
    unknown = post(browser, "/reset-password/mail", "/reset-password", email="nobody@example.com")

    assert (known.status_code, known.headers["location"]) == (unknown.status_code, unknown.headers["location"])
    assert known.headers["set-cookie"].partition(";")[0].startswith("flash=")


def test_a_verification_link_opens_the_page_whose_button_confirms_the_address(
    browser: httpx2.Client, settings: Settings, smtp_server: SmtpServer
) -> None:
    signed_in(browser, "ada@example.com")
    link = delivered_link(settings, smtp_server, "ada@example.com", "Confirm")
    token = link.rpartition("=")[2]

    before = html(browser.get("/account"))
    opened = html(browser.get(link))
    still = html(browser.get("/account"))
    response = post(browser, "/verify-email", link, token=token)
    after = html(browser.get("/account"))
    again = post(browser, "/verify-email", link, token=token)

    assert "not confirmed yet" in before
    assert 'action="/verify-email"' in opened
    assert "not confirmed yet" in still, "opening the link confirms nothing: a mail scanner opens links too"
    assert response.status_code == 303
    assert "Your address is confirmed." in after
    assert "not confirmed yet" not in after
    assert "invalid, used or expired" in html(again, 400)


def test_a_new_verification_link_is_mailed_from_its_page(
    browser: httpx2.Client, settings: Settings, smtp_server: SmtpServer
) -> None:
    signed_in(browser, "ada@example.com")
    first = delivered_link(settings, smtp_server, "ada@example.com", "Confirm")

    response = post(browser, "/verify-email/mail", "/verify-email", email="ada@example.com")
    smtp_server.mailbox.messages.clear()
    newest = delivered_link(settings, smtp_server, "ada@example.com", "Confirm")

    assert response.status_code == 303
    assert newest != first
    assert post(browser, "/verify-email", newest, token=newest.rpartition("=")[2]).status_code == 303


def test_every_account_page_has_one_h1_labelled_inputs_and_no_password_shown(browser: httpx2.Client) -> None:
    pages = ["/sign-up", "/sign-in", "/reset-password", "/verify-email"]
    anonymous = {url: html(browser.get(url)) for url in [*pages, "/reset-password?token=t", "/verify-email?token=t"]}
    signed_in(browser, "ada@example.com")
    members = {url: html(browser.get(url)) for url in ["/account", "/account/delete"]}

    for url, text in {**anonymous, **members}.items():
        assert text.count("<h1>") == 1, url
        for field in re.findall(r'<input type="(?:email|password|text)" id="(\w+)"', text):
            assert f'<label for="{field}">' in text, (url, field)
        assert not re.search(r'type="password"[^>]* value=', text), url
