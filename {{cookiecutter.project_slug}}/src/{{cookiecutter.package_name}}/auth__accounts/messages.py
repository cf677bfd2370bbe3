"""The accounts' mails, written from the template files beside this module, with links to the public base URL."""

import html
from functools import cache
from pathlib import Path
from string import Template
from urllib.parse import urlencode, urlsplit

from .. import TITLE
from ..mail.outbox import Mail
from .settings import AuthSettings

TEMPLATES = Path(__file__).with_name("mails")
RESET_PAGE = "/reset-password"
VERIFY_PAGE = "/verify-email"


@cache
def template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def link(settings: AuthSettings, page: str, **query: str) -> str:
    """A link to a page of the public base URL, whatever Host the request that asked for it named."""
    return settings.public_base_url.rstrip("/") + page + ("?" + urlencode(query) if query else "")


def mail(name: str, subject: str, recipient: str, **values: str) -> Mail:
    """A mail from the plain-text and HTML templates ``name``; the HTML part gets the values escaped."""
    values = {"service": TITLE, "email": recipient, **values}
    escaped = {key: html.escape(value) for key, value in values.items()}
    return Mail(
        recipient=recipient,
        subject=subject,
        text=template(f"{name}.txt").substitute(values),
        html=template(f"{name}.html").substitute(escaped),
    )


def password_reset(settings: AuthSettings, email: str, token: str) -> Mail:
    return mail(
        "password_reset",
        f"Reset your {TITLE} password",
        email,
        link=link(settings, RESET_PAGE, token=token),
        minutes=str(settings.password_reset_minutes),
    )


def email_verification(settings: AuthSettings, email: str, token: str) -> Mail:
    return mail(
        "email_verification",
        f"Confirm your {TITLE} address",
        email,
        link=link(settings, VERIFY_PAGE, token=token),
        hours=str(settings.email_verification_hours),
    )


def registration_attempt(settings: AuthSettings, email: str) -> Mail:
    return mail("registration_attempt", f"Someone tried to register at {TITLE}", email, link=link(settings, RESET_PAGE))


def sender_domain(settings: AuthSettings) -> str:
    """The domain of the Message-IDs: the public base URL's host."""
    return urlsplit(settings.public_base_url).hostname or "localhost"
