"""What keeps the pages safe, without HTTP in it: the browser's cookie, CSRF tokens, signed flash messages, the
cross-site check and the content security policy.

A CSRF token is bound to the id that the browser's cookie holds, an opaque random id: the token is an HMAC of that id
under the pages' key. Another site can make the browser send the cookie, but cannot read the token from a page.
"""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..core.errors import ServiceError

BROWSER_COOKIE = "session"
SECURE_BROWSER_COOKIE = "__Host-session"
"""Over HTTPS the cookie has the ``__Host-`` prefix: the browser then takes it only with Secure, from this host, for
every path."""
FLASH_COOKIE = "flash"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SAME_ORIGIN_FETCHES = frozenset({"same-origin", "none"})
"""The values of Sec-Fetch-Site of a request the pages' own forms and scripts send, or the user typed."""
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
"""The pages' policy: every script and style is a file of this site, and no page may be framed."""


class Headers(Protocol):
    """A request's headers, as the web framework looks them up: by name, in any case."""

    def get(self, key: str, /) -> str | None: ...


def browser_cookie(secure: bool) -> str:
    return SECURE_BROWSER_COOKIE if secure else BROWSER_COOKIE


def cookie_options(secure: bool) -> dict[str, Any]:
    """The attributes of the pages' cookies, as the web framework's ``set_cookie`` takes them."""
    return {"path": "/", "secure": secure, "httponly": True, "samesite": "lax"}


def new_browser_id() -> str:
    return secrets.token_urlsafe(32)


def _mac(key: bytes, purpose: str, text: str) -> str:
    return hmac.new(key, f"{purpose}\n{text}".encode(), hashlib.sha256).hexdigest()


def csrf_token(key: bytes, browser_id: str) -> str:
    """The token that the browser with this id sends back with its forms."""
    return _mac(key, "csrf", browser_id)


def is_valid_csrf_token(key: bytes, browser_id: str | None, token: str | None) -> bool:
    if not browser_id or not token:
        return False
    return hmac.compare_digest(csrf_token(key, browser_id).encode(), token.encode())


def is_cross_site(headers: Headers) -> bool:
    """Whether the browser says that another site sent the request, by Sec-Fetch-Site or by an Origin of another
    host. The host is compared rather than the whole origin: behind a proxy that ends TLS, the application sees
    plain HTTP."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in SAME_ORIGIN_FETCHES:
        return True
    origin = headers.get("origin")
    return origin is not None and urlsplit(origin).netloc != headers.get("host")


def signed(key: bytes, message: str, purpose: str = "flash") -> str:
    """A message that a cookie may carry: its text in base64 and its MAC, for this purpose only."""
    text = base64.urlsafe_b64encode(message.encode()).decode()
    return f"{text}.{_mac(key, purpose, text)}"


def unsigned(key: bytes, value: str | None, purpose: str = "flash") -> str | None:
    """The message of a signed value, or ``None`` when there is none, it was changed or signed for another purpose."""
    text, _, mac = (value or "").partition(".")
    if not text or not hmac.compare_digest(_mac(key, purpose, text).encode(), mac.encode()):
        return None
    # Only this application signs: a value with a valid MAC decodes.
    return base64.urlsafe_b64decode(text).decode()


class ForbiddenRequestError(ServiceError):
    """A form or script of another site, or a form without this browser's token."""

    status = HTTPStatus.FORBIDDEN

    def __init__(self) -> None:
        super().__init__(
            "The request did not come from a page of this site, or the page was too old: go back, reload the page "
            "and try again."
        )


@dataclass(frozen=True)
class Browser:
    """The browser of a page request: the id its cookie holds (new when it had none), and a flash message for it."""

    id: str
    is_new: bool
    secure: bool
    flash: str | None

    @classmethod
    def of(cls, cookies: Mapping[str, str], secure: bool, key: bytes) -> "Browser":
        known = cookies.get(browser_cookie(secure))
        flash = unsigned(key, cookies.get(FLASH_COOKIE))
        return cls(known or new_browser_id(), not known, secure, flash)

    def check(self, method: str, headers: Headers, token: str | None, key: bytes) -> None:
        """Refuse an unsafe request from another site or without the token of this browser's pages."""
        if method in SAFE_METHODS:
            return
        if is_cross_site(headers) or self.is_new or not is_valid_csrf_token(key, self.id, token):
            raise ForbiddenRequestError()

    def remember(self, response: Any, key: bytes, *, flash: str | None = None, shown: bool = False) -> None:
        """Set the cookies of the answer (a response of the web framework): the browser's id when new, a flash
        message for the next page, and none once a page showed it."""
        options = cookie_options(self.secure)
        if self.is_new:
            response.set_cookie(browser_cookie(self.secure), self.id, **options)
        if flash is not None:
            response.set_cookie(FLASH_COOKIE, signed(key, flash), **options)
        elif shown and self.flash is not None:
            response.delete_cookie(FLASH_COOKIE, **options)
