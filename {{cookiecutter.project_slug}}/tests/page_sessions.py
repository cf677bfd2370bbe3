"""What the tests of signing in to the pages share: the pages' answers, their forms, and their sessions' table."""

from urllib.parse import urlencode

import httpx2
from sqlalchemy import Connection, update

from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.models import Base
from {{ cookiecutter.package_name }}.pages.security import CONTENT_SECURITY_POLICY
from {{ cookiecutter.package_name }}.settings import Settings

from .pages import page_token

ITEMS = "/items"
COOKIE = "session"
SECURE_COOKIE = "__Host-session"


def html(response: httpx2.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    return response.text


def post(client: httpx2.Client, url: str, form_page: str | None = None, **fields: str) -> httpx2.Response:
    """Post a page's form with the token its page (``form_page``, else ``url``) gave."""
    return client.post(url, data={"csrf_token": page_token(client, form_page or url), **fields})


def assert_sent_to_sign_in(response: httpx2.Response, page: str = ITEMS) -> None:
    """Sent to the sign-in page, which leads back to ``page`` once signed in."""
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/sign-in?{urlencode({'next': page})}"


def change_sessions(settings: Settings, **values: object) -> None:
    """Set columns of every page session, as time passing would."""

    def change(connection: Connection) -> None:
        connection.execute(update(Base.metadata.tables["page_sessions"]).values(**values))
        connection.commit()

    database.run_on_connection(settings, change)
