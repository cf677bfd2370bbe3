"""Signing in to the pages with the provider: the authorization code flow with PKCE against the run's issuer over real
HTTP, every check on the way back (state, the code, the nonce, the ID token's signature, the verifier), the page
session that follows, sign-out, and the items of one member hidden from another."""

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import jwt
import pytest
from pydantic import SecretStr
from sqlalchemy import Connection

from {{ cookiecutter.package_name }}.auth.settings import SERVICE
from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.models import utc_now
from {{ cookiecutter.package_name }}.pages.provider import CALLBACK_URL, PROVIDER_URL
from {{ cookiecutter.package_name }}.pages.provider.sessions import PageSession
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import ISSUER, sign_in
from .issuer import TOKEN_PATH, Client, SigningKey
from .page_sessions import COOKIE, ITEMS, assert_sent_to_sign_in, change_sessions, html, post
from .pages import REDIRECT_URIS, at_provider, local, page_token, sign_in_to_pages

PENDING_COOKIE = "sign_in"
SIGN_IN_ERROR = "The sign-in did not complete"


def refused(client: httpx2.Client, url: str) -> None:
    """The way back refused with a page, and the browser not signed in."""
    assert SIGN_IN_ERROR in html(client.get(url), 400)
    assert_sent_to_sign_in(client.get(ITEMS))


def signed_in(client: httpx2.Client, subject: str, name: str | None = None) -> None:
    """``subject`` signed in through the provider, in a cookie jar of their own."""
    client.cookies = httpx2.Cookies()
    ISSUER.user_claims = {"name": name} if name else {}
    response = sign_in_to_pages(client, subject)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == ITEMS


def started(client: httpx2.Client, subject: str, next_url: str | None = None) -> tuple[str, dict[str, str]]:
    """A sign-in sent to the provider and answered there: the URL the browser comes back to, and the query of the
    authorization request that the pages sent."""
    ISSUER.user = subject
    to_provider = client.get(PROVIDER_URL, params={"next": next_url} if next_url else None)
    assert to_provider.status_code == 303, to_provider.text
    location = to_provider.headers["location"]
    asked = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
    return local(at_provider(location)), asked


def back_with(url: str, **changes: str | None) -> str:
    """The URL the browser comes back to, with query parameters changed (None: left out)."""
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    query.update({name: value for name, value in changes.items() if value is not None})
    for name in [name for name, value in changes.items() if value is None]:
        del query[name]
    return f"{parts.path}?{urlencode(query)}"


def pending(client: httpx2.Client) -> dict[str, Any]:
    """What the pending sign-in's cookie holds: signed, not secret from the browser that holds it."""
    text = client.cookies[PENDING_COOKIE].partition(".")[0]
    loaded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(text))
    return loaded


@contextmanager
def forged(change: Callable[[dict[str, Any]], str]) -> Iterator[None]:
    ISSUER.id_token_of = change
    try:
        yield
    finally:
        ISSUER.id_token_of = None


@pytest.fixture
def browser(anonymous_client: httpx2.Client) -> Iterator[httpx2.Client]:
    """The run's client as a browser: no bearer token, a cookie jar that the test starts empty and leaves empty."""
    anonymous_client.cookies = httpx2.Cookies()
    yield anonymous_client
    anonymous_client.cookies = httpx2.Cookies()
    ISSUER.user, ISSUER.user_claims = None, {}


# The way to the provider and back


def test_a_visitor_signs_in_at_the_provider_and_comes_back_to_the_page_they_asked_for(
    browser: httpx2.Client,
) -> None:
    assert_sent_to_sign_in(browser.get(f"{ITEMS}/new"), f"{ITEMS}/new")
    sign_in_page = html(browser.get("/sign-in", params={"next": f"{ITEMS}/new"}))
    assert f'href="{PROVIDER_URL}?next=%2Fitems%2Fnew"' in sign_in_page
    redemptions = ISSUER.requests["/realms/tests" + TOKEN_PATH]
    ISSUER.user_claims = {"name": "Ada Lovelace"}

    response = sign_in_to_pages(browser, "ada", f"{ITEMS}/new")

    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{ITEMS}/new"
    assert ISSUER.requests["/realms/tests" + TOKEN_PATH] == redemptions + 1
    assert "Signed in as Ada Lovelace." in html(browser.get(f"{ITEMS}/new"))
    account = html(browser.get("/account"))
    assert "Ada Lovelace" in account
    assert "<code>ada</code>" in account


def test_the_authorization_request_asks_for_a_code_with_pkce_state_and_nonce(browser: httpx2.Client) -> None:
    _, asked = started(browser, "ada")
    remembered = pending(browser)

    assert asked["response_type"] == "code"
    assert asked["client_id"] == SERVICE
    assert asked["redirect_uri"] in REDIRECT_URIS
    assert asked["redirect_uri"].endswith(CALLBACK_URL)
    assert "openid" in asked["scope"].split()
    assert asked["code_challenge_method"] == "S256"
    digest = hashlib.sha256(remembered["verifier"].encode()).digest()
    assert asked["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert 43 <= len(remembered["verifier"]) <= 128
    assert asked["state"] == remembered["state"]
    assert asked["nonce"] == remembered["nonce"]
    assert min(len(asked["state"]), len(asked["nonce"])) >= 32
    assert remembered["verifier"] not in urlsplit(asked["redirect_uri"]).query


def test_the_pending_sign_in_cookie_is_http_only_lax_and_short_lived(browser: httpx2.Client) -> None:
    response = browser.get(PROVIDER_URL)

    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{PENDING_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie.replace("lax", "Lax")
    assert "Max-Age=600" in cookie


def test_the_page_after_sign_in_is_one_of_this_site(browser: httpx2.Client) -> None:
    for elsewhere in ["https://evil.example/", "//evil.example/", "/\\evil.example", "evil"]:
        browser.cookies = httpx2.Cookies()
        response = sign_in_to_pages(browser, "ada", elsewhere)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == ITEMS


@pytest.mark.parametrize(
    "state", [pytest.param("another-state", id="wrong"), pytest.param(None, id="missing"), pytest.param("", id="empty")]
)
def test_a_way_back_with_another_or_no_state_is_refused(browser: httpx2.Client, state: str | None) -> None:
    back, _ = started(browser, "ada")

    refused(browser, back_with(back, state=state))


def test_a_way_back_to_a_browser_that_started_no_sign_in_is_refused(browser: httpx2.Client) -> None:
    back, _ = started(browser, "ada")
    browser.cookies = httpx2.Cookies()

    refused(browser, back)


def test_a_pending_sign_in_cookie_changed_by_the_browser_is_refused(browser: httpx2.Client) -> None:
    back, _ = started(browser, "ada")
    mac = browser.cookies[PENDING_COOKIE].rpartition(".")[2]
    changed = {**pending(browser), "next_url": "//evil.example/"}
    value = base64.urlsafe_b64encode(json.dumps(changed).encode()).decode()
    browser.cookies = httpx2.Cookies({PENDING_COOKIE: f"{value}.{mac}"})

    refused(browser, back)


def test_a_replayed_code_is_refused(browser: httpx2.Client) -> None:
    back, _ = started(browser, "ada")
    pending_cookie = browser.cookies[PENDING_COOKIE]
    assert browser.get(back).status_code == 303
    signed_in_cookies = httpx2.Cookies(browser.cookies)

    # Without its pending sign-in, which the first way back ended; and with it, as an attacker who kept it would.
    browser.cookies = httpx2.Cookies()
    refused(browser, back)
    browser.cookies = httpx2.Cookies({PENDING_COOKIE: pending_cookie})
    refused(browser, back)

    browser.cookies = signed_in_cookies
    html(browser.get(ITEMS))


def test_the_code_is_redeemed_with_the_pkce_verifier_of_this_browsers_sign_in(
    browser: httpx2.Client, anonymous_client: httpx2.Client
) -> None:
    """A code that an attacker got for their own sign-in, injected into a victim's way back, is redeemed with the
    victim's verifier: the provider refuses it."""
    attackers_back, _ = started(browser, "mallory")
    attackers_code = parse_qs(urlsplit(attackers_back).query)["code"][0]
    browser.cookies = httpx2.Cookies()
    victims_back, _ = started(browser, "ada")

    refused(browser, back_with(victims_back, code=attackers_code))


def test_the_issuer_redeems_a_code_only_with_its_verifier_client_and_redirect_uri(browser: httpx2.Client) -> None:
    token_endpoint = ISSUER.url + TOKEN_PATH
    for change in [{"code_verifier": "x" * 64}, {"client_id": "another"}, {"redirect_uri": "http://evil.example/"}]:
        back, _ = started(browser, "ada")
        code = parse_qs(urlsplit(back).query)["code"][0]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": SERVICE,
            "redirect_uri": sorted(REDIRECT_URIS)[0],
            "code_verifier": pending(browser)["verifier"],
            **change,
        }
        assert httpx2.post(token_endpoint, data=form).status_code in {400, 401}, change


def test_an_answer_of_the_provider_without_a_code_is_refused(browser: httpx2.Client) -> None:
    back, _ = started(browser, "ada")
    refused(browser, back_with(back, code=None, error="access_denied"))

    ISSUER.user = None
    browser.cookies = httpx2.Cookies()
    to_provider = browser.get(PROVIDER_URL)
    refused(browser, local(at_provider(to_provider.headers["location"])))


# The ID token's checks


def signed_with(key: SigningKey, **changes: Any) -> Callable[[dict[str, Any]], str]:
    def sign(claims: dict[str, Any]) -> str:
        return jwt.encode({**claims, **changes}, key.private_key, key.algorithm, headers={"kid": key.kid})

    return sign


def unsigned_token(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, "", "none", headers={"kid": ISSUER.published[0].kid})


def with_changed_payload(claims: dict[str, Any]) -> str:
    """A token of the issuer's key whose payload was changed after signing: another subject."""
    header, _, signature = signed_with(ISSUER.published[0])(claims).split(".")
    payload = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "admin"}).encode()).rstrip(b"=").decode()
    return f"{header}.{payload}.{signature}"


def of_another_key(claims: dict[str, Any]) -> str:
    """Signed by a key the issuer does not publish, under the id of one it does."""
    impostor = SigningKey("impostor", "RS256", SigningKey.make("RS256").private_key)
    return jwt.encode(claims, impostor.private_key, "RS256", headers={"kid": ISSUER.published[0].kid})


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(signed_with(ISSUER.published[0], nonce="another-nonce"), id="wrong-nonce"),
        pytest.param(signed_with(ISSUER.published[0], nonce=None), id="null-nonce"),
        pytest.param(unsigned_token, id="alg-none"),
        pytest.param(with_changed_payload, id="tampered"),
        pytest.param(of_another_key, id="another-key"),
        pytest.param(signed_with(ISSUER.published[0], aud="another-client"), id="another-audience"),
        pytest.param(signed_with(ISSUER.published[0], iss="http://evil.example/"), id="another-issuer"),
        pytest.param(signed_with(ISSUER.published[0], exp=1), id="expired"),
        pytest.param(signed_with(ISSUER.published[0], aud=[SERVICE, "other"], azp="other"), id="another-party"),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(
    browser: httpx2.Client, forge: Callable[[dict[str, Any]], str]
) -> None:
    back, _ = started(browser, "ada")

    with forged(forge):
        refused(browser, back)


# The page session


def test_sign_in_gives_a_new_session_id(browser: httpx2.Client) -> None:
    html(browser.get("/sign-in"))
    anonymous_id = browser.cookies[COOKIE]

    assert sign_in_to_pages(browser, "ada").status_code == 303

    assert browser.cookies[COOKIE] != anonymous_id
    assert PENDING_COOKIE not in browser.cookies
    anonymous = httpx2.Cookies({COOKIE: anonymous_id})
    browser.cookies, own = anonymous, browser.cookies
    assert_sent_to_sign_in(browser.get(ITEMS))
    browser.cookies = own


def test_the_session_cookie_is_opaque_http_only_and_lax(browser: httpx2.Client, settings: Settings) -> None:
    response = sign_in_to_pages(browser, "ada")

    cookies = [value for name, value in response.headers.multi_items() if name == "set-cookie"]
    session_cookie = next(cookie for cookie in cookies if cookie.startswith(f"{COOKIE}="))
    found = re.match(rf"{COOKIE}=([\w-]+); ", session_cookie)
    assert found is not None
    assert len(found[1]) == 43, "256 random bits"
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie.replace("lax", "Lax")
    stored: list[object] = []

    def read(connection: Connection) -> None:
        stored.extend(connection.execute(PageSession.__table__.select()).one())

    database.run_on_connection(settings, read)
    assert browser.cookies[COOKIE] not in stored, "the table keeps a hash of the id, never the id"
    assert "ada" in stored


def test_over_https_the_cookies_are_secure_and_host_only(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(settings.model_copy(update={"page_secure_cookies": True}))

    to_provider = client.get(PROVIDER_URL)

    assert to_provider.headers["set-cookie"].startswith(f"__Host-{PENDING_COOKIE}=")
    assert "Secure" in to_provider.headers["set-cookie"]


def test_an_idle_session_ends_and_one_in_use_ends_at_its_absolute_lifetime(
    browser: httpx2.Client, settings: Settings
) -> None:
    signed_in(browser, "ada")
    idle = timedelta(minutes=settings.page_session_idle_minutes)

    change_sessions(settings, last_used_at=utc_now() - idle + timedelta(minutes=1))
    html(browser.get(ITEMS))
    change_sessions(settings, last_used_at=utc_now() - idle - timedelta(seconds=1))
    assert_sent_to_sign_in(browser.get(ITEMS))

    signed_in(browser, "ada")
    change_sessions(settings, expires_at=utc_now() - timedelta(seconds=1))
    assert_sent_to_sign_in(browser.get(ITEMS))


def test_sign_out_ends_the_session_and_its_id_opens_nothing_again(browser: httpx2.Client) -> None:
    signed_in(browser, "ada")
    old_id = browser.cookies[COOKIE]

    response = post(browser, "/sign-out", "/account")

    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in"
    assert "Signed out." in html(browser.get("/sign-in"))
    assert_sent_to_sign_in(browser.get(ITEMS))
    browser.cookies = httpx2.Cookies({COOKIE: old_id})
    assert_sent_to_sign_in(browser.get(ITEMS))


@pytest.mark.parametrize(
    ("url", "form_page"), [("/sign-out", "/account"), (ITEMS, f"{ITEMS}/new")], ids=["sign-out", "new-item"]
)
def test_a_form_without_the_sessions_token_or_from_another_site_is_a_403_page(
    browser: httpx2.Client, url: str, form_page: str
) -> None:
    signed_in(browser, "ada")
    token = page_token(browser, form_page)

    html(browser.post(url, data={"name": "Widget"}), 403)
    html(browser.post(url, data={"csrf_token": "0" * 64, "name": "Widget"}), 403)
    cross_site = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    html(browser.post(url, data={"csrf_token": token, "name": "Widget"}, headers=cross_site), 403)
    assert "<code>ada</code>" in html(browser.get("/account"))


def test_a_member_sees_only_their_own_items_and_no_page_of_another_members(browser: httpx2.Client) -> None:
    signed_in(browser, "ada")
    created = post(browser, ITEMS, f"{ITEMS}/new", name="Ada widget")
    assert created.status_code == 303, created.text
    adas_item = created.headers["location"]

    signed_in(browser, "grace")

    assert "Ada widget" not in html(browser.get(ITEMS))
    html(browser.get(adas_item), 404)
    html(browser.get(f"{adas_item}/edit"), 404)
    html(post(browser, f"{adas_item}/delete", f"{ITEMS}/new"), 404)
    signed_in(browser, "ada")
    assert "Ada widget" in html(browser.get(adas_item))


def test_the_api_and_the_pages_see_the_same_owner(browser: httpx2.Client, anonymous_client: httpx2.Client) -> None:
    headers = sign_in(anonymous_client)
    subject = jwt.decode(headers["Authorization"].removeprefix("Bearer "), options={"verify_signature": False})["sub"]
    item = anonymous_client.post("/api/v1/items", json={"name": "From the API"}, headers=headers)
    assert item.status_code == 201, item.text

    signed_in(browser, subject)

    assert "From the API" in html(browser.get(f"{ITEMS}/{item.json()['id']}"))


def test_a_bearer_token_opens_no_page(client: httpx2.Client) -> None:
    client.cookies = httpx2.Cookies()

    assert_sent_to_sign_in(client.get(ITEMS))


def test_a_confidential_client_authenticates_to_the_token_endpoint(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    ISSUER.clients["confidential"] = Client("its secret", set(REDIRECT_URIS))
    try:
        for secret, status in [("its secret", 303), ("a wrong secret", 400)]:
            change = {"oidc_client_id": "confidential", "oidc_client_secret": SecretStr(secret)}
            client = make_client(settings.model_copy(update=change))
            assert sign_in_to_pages(client, "ada").status_code == status
    finally:
        del ISSUER.clients["confidential"]
        ISSUER.user = None
